"""The REST API (``/api/...``): everything the pages do, for token clients and the UI's
JavaScript. Every route except ``/api/health`` needs a login or an API token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.exc import IntegrityError

from alwild.app.services import leases, members
from alwild.app.services.auth import new_api_token
from alwild.app.services.ingest import MAX_FILE_BYTES, store_image, store_row
from alwild.app.services.intake import accepted, intake_state
from alwild.app.services.jobs import request_job
from alwild.app.services.labels import Conflict, Submission, disagreements, submit_label
from alwild.app.services.media import media_file, thumbnail
from alwild.app.services.projects import (
    change_settings,
    check_kind,
    project_for,
    request_retrain,
    visible_projects,
)
from alwild.app.services.summaries import (
    item_dict,
    item_for,
    label_dict,
    progress,
    project_dict,
    queue_entries,
    visible_labels,
)
from alwild.app.services.tokens import revoke_token, visible_tokens
from alwild.app.store.orm import User
from alwild.app.web.deps import DB, Admin, Caller, LabelDB, LeaseDB, transactional
from alwild.app.web.schemas import (
    ConflictOut,
    IntakeOut,
    ItemOut,
    LabelIn,
    LabelOut,
    MemberIn,
    Message,
    ProgressOut,
    ProjectOut,
    ProjectSettings,
    QueueEntry,
    RowIn,
    TokenInfo,
    TokenOut,
    UserChange,
    UserIn,
    UserOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/api")
FormStr = Annotated[str, Form()]
ERRORS = {401: {"model": Message}, 404: {"model": Message}}


@router.get("/health", tags=["meta"])
@transactional
def health() -> dict:
    """Liveness check (no login needed)."""
    return {"status": "ok"}


@router.get("/me", response_model=UserOut, responses=ERRORS, tags=["users"])
@transactional
def me(caller: Caller) -> dict:
    return {"username": caller.user.username, "role": caller.user.role}


@router.post("/tokens", response_model=TokenOut, responses=ERRORS, tags=["users"])
@transactional
def make_token(caller: Caller, db: DB) -> dict:
    """A new API token for the caller (shown once; only its hash is kept)."""
    token = new_api_token(db, caller.user, "api")
    db.commit()
    return {"token": token}


@router.get("/tokens", response_model=list[TokenInfo], responses=ERRORS, tags=["users"])
@transactional
def tokens(caller: Caller, db: DB) -> list[dict]:
    """The caller's API tokens (an admin's: everyone's), without the tokens themselves."""
    return [{"id": t.id, "user": owner, "name": t.name, "created_at": t.created_at}
            for t, owner in visible_tokens(db, caller.user)]


@router.delete("/tokens/{token_id}", status_code=204, responses=ERRORS, tags=["users"])
@transactional
def delete_token(token_id: int, caller: Caller, db: DB) -> Response:
    """Revoke an API token: it gets 401 from now on."""
    revoke_token(db, caller.user, token_id)
    db.commit()
    return Response(status_code=204)


@router.get("/projects", response_model=list[ProjectOut], responses=ERRORS, tags=["projects"])
@transactional
def projects(caller: Caller, db: DB) -> list[dict]:
    return [project_dict(db, p) for p in visible_projects(db, caller.user)]


@router.get("/projects/{slug}", response_model=ProjectOut, responses=ERRORS, tags=["projects"])
@transactional
def project(slug: str, caller: Caller, db: DB) -> dict:
    return project_dict(db, project_for(db, caller.user, slug))


@router.patch("/projects/{slug}", response_model=ProjectOut, responses=ERRORS,
              tags=["admin"])
@transactional
def update_project(slug: str, body: ProjectSettings, request: Request,
                   caller: Admin, db: DB) -> dict:
    """Change strategy, batch size, retrain interval, budget, overlap or lease length."""
    proj = change_settings(db, caller.user, slug, body.model_dump(exclude_unset=True))
    db.commit()
    return project_dict(db, proj)


@router.get("/projects/{slug}/queue", response_model=list[QueueEntry], responses=ERRORS,
            tags=["labelling"])
@transactional
def project_queue(slug: str, caller: Caller, db: DB):
    """The current round's open items, most informative first."""
    return queue_entries(db, project_for(db, caller.user, slug))


@router.post("/projects/{slug}/claim", response_model=ItemOut,
             responses={**ERRORS, 204: {"description": "nothing left to label this round"}},
             tags=["labelling"])
@transactional
def claim(slug: str, caller: Caller, db: LeaseDB):
    """Lease the next item of the round to the caller."""
    proj, item = leases.claim_next_in(db, caller.user, slug)
    out = None if item is None else item_dict(db, item, proj, caller.user, unlabelled=True)
    db.commit()
    return Response(status_code=204) if out is None else out




@router.post("/items", response_model=IntakeOut, status_code=201,
             responses={**ERRORS, 400: {"model": Message}}, tags=["stream"])
@transactional
def post_row(body: RowIn, caller: Admin, db: DB) -> dict:
    """Streaming intake of one table row: stored now (status ``pending``); the training
    worker queues it if the stream policy asks for its label within the project's label
    budget (``GET /api/items/{uid}/intake`` tells what it decided)."""
    proj = project_for(db, caller.user, body.project)
    check_kind(db, proj, "row")  # an empty project takes its kind from its first item
    return accepted(store_row(db, proj, body.data, holdout_share=0.0, source="stream"))


@router.post("/items/image", response_model=IntakeOut, status_code=201,
             responses={**ERRORS, 400: {"model": Message}, 413: {"model": Message}},
             tags=["stream"])
@transactional
def post_image(request: Request, caller: Admin, db: DB, project: FormStr,
               file: UploadFile) -> dict:
    """Streaming intake of one image (typed by its content, not its name)."""
    proj = project_for(db, caller.user, project)
    check_kind(db, proj, "image")
    data = file.file.read(MAX_FILE_BYTES + 1)
    item = store_image(request.app.state.ws, db, proj, data, file.filename or "upload",
                       holdout_share=0.0, source="stream")
    return accepted(item)


@router.get("/items/{uid}/intake", response_model=IntakeOut, responses=ERRORS,
            tags=["stream"])
@transactional
def get_intake(uid: str, caller: Caller, db: DB) -> dict:
    """What the worker decided for a streamed item: ``pending``, ``queued`` or ``passed``."""
    item, _ = item_for(db, caller.user, uid)
    return intake_state(db, item)


@router.get("/items/{uid}", response_model=ItemOut, responses=ERRORS, tags=["labelling"])
@transactional
def get_item(uid: str, caller: Caller, db: DB) -> dict:
    item, proj = item_for(db, caller.user, uid)
    return item_dict(db, item, proj, caller.user)


@router.get("/items/{uid}/media", response_class=FileResponse, responses=ERRORS,
            tags=["labelling"])
@transactional
def get_media(uid: str, request: Request, caller: Caller,
              db: DB):
    """The item's image, from the workspace's media root only."""
    item, _ = item_for(db, caller.user, uid)
    path = media_file(request.app.state.ws.media_root, item)
    return FileResponse(path, media_type=item.media_type,
                        headers={"Cache-Control": "private, max-age=3600"})


@router.get("/items/{uid}/thumb", response_class=FileResponse, responses=ERRORS,
            tags=["labelling"])
@transactional
def get_thumbnail(uid: str, request: Request, caller: Caller, db: DB):
    """A small JPEG of the item's image for the queue (made once, then cached)."""
    item, _ = item_for(db, caller.user, uid)
    ws = request.app.state.ws
    path = thumbnail(ws.media_root, ws.root / "thumbs", item)
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400"})


@router.post("/items/{uid}/lease", responses={**ERRORS, 409: {"model": Message}},
             tags=["labelling"])
@transactional
def renew_lease(uid: str, caller: Caller, db: DB) -> dict:
    """Keep the caller's lease alive while they work."""
    item, proj = item_for(db, caller.user, uid)
    expires = leases.renew(db, proj, caller.user, item)
    db.commit()
    return {"lease_expires": expires}


@router.post("/items/{uid}/skip", responses=ERRORS, tags=["labelling"])
@transactional
def skip_item(uid: str, caller: Caller, db: DB) -> dict:
    """Give the item back; it is not offered to the caller again."""
    item, _ = item_for(db, caller.user, uid)
    leases.skip(db, item, caller.user)
    db.commit()
    return {"skipped": uid}


@router.delete("/items/{uid}/skip", responses=ERRORS, tags=["labelling"])
@transactional
def unskip_item(uid: str, caller: Caller, db: DB) -> dict:
    """Undo the caller's skip: the item is offered to them again."""
    item, _ = item_for(db, caller.user, uid)
    undone = leases.unskip(db, item, caller.user)
    db.commit()
    return {"unskipped": uid, "was_skipped": undone}


@router.post("/items/{uid}/labels", response_model=LabelOut,
             responses={**ERRORS, 400: {"model": Message}, 409: {"model": ConflictOut}},
             tags=["labelling"])
@transactional
def post_label(uid: str, body: LabelIn, request: Request, caller: Caller,
               db: LabelDB):
    """Save a label. Committed and on disk before the answer; a replayed ``request_id``
    returns the saved label; a stale ``base_version`` gets 409 with the current label."""
    sub = Submission(request_id=body.request_id, value=body.value,
                     boxes=[b.model_dump() for b in body.boxes],
                     image_width=body.image_width, image_height=body.image_height,
                     seconds=body.seconds, base_version=body.base_version)
    for attempt in range(2):
        item, proj = item_for(db, caller.user, uid)
        try:
            label, changed = submit_label(db, proj, item, caller.user, sub)
            out = label_dict(db, label, item, caller.user)
            if changed and proj.changes_since_train >= proj.retrain_every:
                request_job(db, proj.id)
            db.commit()
            break
        except Conflict as err:
            out = {"detail": str(err), "current": label_dict(db, err.current, item)}
            db.rollback()
            return JSONResponse(out, status_code=409)
        except IntegrityError:  # a concurrent replay of the same request id won the race
            db.rollback()
            if attempt:
                raise
    return out


@router.get("/items/{uid}/labels", response_model=list[LabelOut], responses=ERRORS,
            tags=["labelling"])
@transactional
def item_labels(uid: str, caller: Caller, db: DB):
    """All labels of an item (admins) or the caller's own (annotators)."""
    item, _ = item_for(db, caller.user, uid)
    return visible_labels(db, item, caller.user, caller.is_admin)


@router.get("/projects/{slug}/progress", response_model=ProgressOut, responses=ERRORS,
            tags=["projects"])
@transactional
def project_progress(slug: str, caller: Caller, db: DB):
    return progress(db, project_for(db, caller.user, slug))


@router.post("/projects/{slug}/retrain", status_code=202, responses=ERRORS, tags=["admin"])
@transactional
def retrain(slug: str, request: Request, caller: Admin,
            db: DB) -> dict:
    """Queue a retrain in the background; returns at once."""
    request_retrain(db, caller.user, slug)
    return {"queued": slug}


@router.get("/projects/{slug}/review", responses=ERRORS, tags=["admin"])
@transactional
def review(slug: str, caller: Admin,
           db: DB) -> list[dict]:
    """Items whose annotators disagree (with overlap > 1)."""
    proj = project_for(db, caller.user, slug)
    return [{"item": item.uid, "labels": [label_dict(db, lab, item) for lab in labels]}
            for item, labels in disagreements(db, proj)]


@router.post("/users", response_model=UserOut, status_code=201,
             responses={**ERRORS, 400: {"model": Message}}, tags=["admin"])
@transactional
def add_user(body: UserIn, caller: Admin,
             db: DB) -> dict:
    """Create an account; its generated password is returned once."""
    user, password = members.add_user(db, caller.user, body.username, body.role)
    db.commit()
    return {"username": user.username, "role": user.role, "password": password}


@router.get("/users", response_model=list[UserOut], responses=ERRORS, tags=["admin"])
@transactional
def users(caller: Admin, db: DB) -> list[dict]:
    """Every person's account (not the system and token-only accounts)."""
    return [_user_dict(u) for u in members.people(db)]


@router.patch("/users/{username}", response_model=UserOut,
              responses={**ERRORS, 400: {"model": Message}}, tags=["admin"])
@transactional
def change_user(username: str, body: UserChange, caller: Admin, db: DB) -> dict:
    """Deactivate an account (it can neither log in nor use its tokens; its sessions end)
    or reactivate it."""
    user = members.set_active(db, caller.user, username, body.active)
    db.commit()
    return _user_dict(user)


def _user_dict(user: User) -> dict:
    return {"username": user.username, "role": user.role, "active": user.active}


@router.post("/projects/{slug}/members", status_code=201, responses=ERRORS, tags=["admin"])
@transactional
def add_member(slug: str, body: MemberIn, caller: Admin,
               db: DB) -> dict:
    """Let an annotator work on this project."""
    _, user = members.add_member(db, caller.user, slug, body.username)
    db.commit()
    return {"project": slug, "member": user.username}
