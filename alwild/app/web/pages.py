"""Server-rendered pages: login, projects, queue, labelling, progress and admin."""

from __future__ import annotations

import math
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from alwild.app.services import leases, members
from alwild.app.services.auth import authenticate, new_api_token
from alwild.app.services.jobs import train_status
from alwild.app.services.projects import (
    change_settings,
    project_for,
    request_retrain,
    visible_projects,
)
from alwild.app.services.sessions import SESSION_SECONDS, end_session, start_session
from alwild.app.services.summaries import (
    admin_overview,
    item_dict,
    preview_text,
    progress,
    queue_entries,
    score_classes,
    score_meaning,
)
from alwild.app.services.throttle import record_failure, record_success, wait_seconds
from alwild.app.services.tokens import revoke_token
from alwild.app.web.chart import curve_geometry, honest_curve
from alwild.app.web.deps import DB, SESSION_COOKIE, Admin, Caller, Who, transactional, who_optional
from alwild.app.web.schemas import ProjectSettings
from alwild.errors import UserValueError
from alwild.strategies import available_strategies

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
MaybeCaller = Annotated[Who | None, Depends(who_optional)]
PRE_COOKIE = "alwild_login"
APP_STRATEGIES = ("auto", "entropy", "margin", "least_confident", "random", "coreset",
                  "cluster_margin", "ranked_batch", "class_quota")


def _render(request: Request, name: str, caller: Who | None, status: int = 200, **ctx):
    key = request.app.state.ws.secret_key
    ctx.update(who=caller, csrf=caller.csrf(key) if caller and caller.nonce else "")
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _cookie(request: Request, resp, name: str, value: str, max_age: int) -> None:
    resp.set_cookie(name, value, httponly=True, samesite="strict", max_age=max_age,
                    secure=request.app.state.https)


def _login_form(request: Request, next: str, status: int = 200, error: str | None = None):
    """The login page with a fresh pre-login CSRF token (in a cookie and in the form)."""
    pre = secrets.token_urlsafe(16)
    resp = _render(request, "login.html", None, status=status, next=_safe_next(next), pre=pre,
                   error=error)
    _cookie(request, resp, PRE_COOKIE, pre, 3600)
    return resp


@router.get("/login", response_class=HTMLResponse)
@transactional
def login_page(request: Request, caller: MaybeCaller, next: str = "/"):
    if caller is not None and caller.via == "session":
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_form(request, next)


@router.post("/login", response_class=HTMLResponse)
@transactional
def login(request: Request, db: DB, username: FormStr = "", password: FormStr = "",
          csrf: FormStr = "", next: FormStr = "/"):
    """Log in, unless the account or the client address is throttled (429, whatever the
    password) after too many failures (see :mod:`alwild.app.services.throttle`)."""
    pre = request.cookies.get(PRE_COOKIE)
    if not (pre and secrets.compare_digest(pre.encode(), csrf.encode())):
        return _login_form(request, next, 401, "Wrong username or password.")
    name, address = username[:64], request.client.host if request.client else "unknown"
    wait = math.ceil(wait_seconds(db, name, address))
    if wait:
        resp = _login_form(request, next, 429, "Too many failed logins: try again in "
                           f"{wait} s.")
        resp.headers["Retry-After"] = str(wait)
        return resp
    user = authenticate(db, name, password[:256])
    if user is None:
        record_failure(db, name, address)
        return _login_form(request, next, 401, "Wrong username or password.")
    record_success(db, name)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    _cookie(request, resp, SESSION_COOKIE, start_session(db, user), SESSION_SECONDS)
    resp.delete_cookie(PRE_COOKIE)
    return resp


@router.post("/logout")
@transactional
def logout(request: Request, caller: Caller, db: DB):
    """End the session on the server too: the cookie is worthless from now on."""
    end_session(db, request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/", response_class=HTMLResponse)
@transactional
def home(request: Request, caller: Caller, db: DB):
    rows = []
    for p in visible_projects(db, caller.user):
        rows.append({"project": p, "progress": progress(db, p)})
    return _render(request, "projects.html", caller, rows=rows)


@router.get("/p/{slug}", response_class=HTMLResponse)
@transactional
def queue_page(slug: str, request: Request, caller: Caller,
               db: DB):
    project = project_for(db, caller.user, slug)
    entries = queue_entries(db, project)
    prog = progress(db, project)
    strategy = prog["round"]["strategy"] if prog["round"] else project.strategy
    return _render(request, "queue.html", caller, project=project, entries=entries, prog=prog,
                   strategy=strategy, thumbs=any(e["thumb_url"] for e in entries),
                   score_info=score_meaning(strategy, score_classes(project)))


@router.get("/p/{slug}/next")
@transactional
def next_item(slug: str, request: Request, caller: Caller,
              db: DB):
    project, item = leases.claim_next_in(db, caller.user, slug)
    db.commit()
    if item is not None:
        return RedirectResponse(f"/p/{slug}/items/{item.uid}", status_code=303)
    return _render(request, "empty.html", caller, project=project, prog=progress(db, project),
                   training=train_status(db, project.id)[0] in ("pending", "training"))


@router.get("/p/{slug}/items/{uid}", response_class=HTMLResponse)
@transactional
def item_page(slug: str, uid: str, request: Request, caller: Caller,
              db: DB):
    project = project_for(db, caller.user, slug)
    item, taken_by_other = leases.open_item(db, project, caller.user, uid)
    db.commit()
    data = item_dict(db, item, project, caller.user)
    prog = progress(db, project)
    payload = {"uid": item.uid, "slug": slug, "task": project.task, "labels": project.labels,
               "kind": item.kind, "width": item.width, "height": item.height,
               "my_label": data["my_label"], "lease_seconds": project.lease_seconds,
               "readonly": taken_by_other, "guess": item.guess,
               "suggestions": data["suggestions"]}
    return _render(request, "item.html", caller, project=project, item=item, data=data,
                   payload=payload, prog=prog, taken_by_other=taken_by_other)


@router.get("/p/{slug}/progress", response_class=HTMLResponse)
@transactional
def progress_page(slug: str, request: Request, caller: Caller,
                  db: DB):
    project = project_for(db, caller.user, slug)
    prog = progress(db, project)
    curve = honest_curve(prog["models"])
    chart = curve_geometry(curve["points"])
    chart.update(name=curve["name"], baseline=None if curve["baseline"] is None else
                 round(chart["bottom"] - curve["baseline"] * (chart["bottom"] - chart["top"]), 1))
    # each version's row shows the curve's figure (the detector's mean AP, not a blank)
    versions = list(zip(prog["models"], [y for _, y in curve["points"]], strict=True))[::-1]
    return _render(request, "progress.html", caller, project=project, prog=prog, chart=chart,
                   versions=versions)


def utc(seconds: float) -> str:
    """A store timestamp as shown on the pages.

    >>> utc(0)
    '1970-01-01 00:00'
    """
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(seconds))


def _admin_context(db: Session, caller: Who) -> dict:
    return {**admin_overview(db, caller.user),
            "strategies": [s for s in APP_STRATEGIES if s in available_strategies()],
            "preview": preview_text, "utc": utc}


@router.get("/admin", response_class=HTMLResponse)
@transactional
def admin_page(request: Request, caller: Admin,
               db: DB):
    return _render(request, "admin.html", caller, shown=None, **_admin_context(db, caller))


@router.post("/admin/users", response_class=HTMLResponse)
@transactional
def admin_add_user(request: Request, caller: Admin, db: DB, username: FormStr,
                   role: FormStr = "annotator", project: FormStr = ""):
    user, password = members.add_user(db, caller.user, username, role, project)
    db.commit()
    shown = {"what": f"Password for {user.username} (shown once)", "secret": password}
    return _render(request, "admin.html", caller, shown=shown, **_admin_context(db, caller))


@router.post("/admin/members")
@transactional
def admin_add_member(username: FormStr, project: FormStr,
                     caller: Admin, db: DB):
    members.add_member(db, caller.user, project, username)
    db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/tokens", response_class=HTMLResponse)
@transactional
def admin_token(request: Request, caller: Admin,
                db: DB):
    token = new_api_token(db, caller.user, "admin page")
    db.commit()
    shown = {"what": "API token (shown once; send as Authorization: Bearer ...)",
             "secret": token}
    return _render(request, "admin.html", caller, shown=shown, **_admin_context(db, caller))


@router.post("/admin/tokens/{token_id}/revoke")
@transactional
def admin_revoke_token(token_id: int, caller: Admin, db: DB):
    revoke_token(db, caller.user, token_id)
    db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{username}/active")
@transactional
def admin_set_active(username: str, caller: Admin, db: DB, active: FormStr):
    """Deactivate (``active=0``) or reactivate (``active=1``) an account."""
    members.set_active(db, caller.user, username, active == "1")
    db.commit()
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/p/{slug}/settings")
async def admin_settings(slug: str, request: Request, caller: Admin, db: DB):
    form = await request.form()
    fields = set(ProjectSettings.model_fields) & set(form)
    values = {k: (form[k] or None) for k in fields}
    try:
        settings = ProjectSettings.model_validate(values)
    except ValidationError as err:
        raise UserValueError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                   for e in err.errors())) from None
    return await _save_settings(slug, caller, db=db, settings=settings)


@transactional
def _save_settings(slug: str, caller: Who, db: Session, settings: ProjectSettings):
    change_settings(db, caller.user, slug, settings.model_dump(exclude_unset=True))
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/p/{slug}/retrain")
@transactional
def admin_retrain(slug: str, request: Request, caller: Admin,
                  db: DB):
    request_retrain(db, caller.user, slug)
    return RedirectResponse(f"/p/{slug}/progress", status_code=303)
