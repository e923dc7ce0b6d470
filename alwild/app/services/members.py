"""Accounts and project membership, as the admin API and the Admin page change them.

The caller commits (both routes do, before they answer)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.auth import create_user
from alwild.app.services.projects import NotFound, project_for
from alwild.app.store.orm import Membership, Project, User

__all__ = ["add_user", "add_member"]


def add_user(db: Session, admin: User, username: str, role: str,
             project: str = "") -> tuple[User, str]:
    """Create an account, a member of project slug ``project`` if one is named; returns the
    user and its generated password (shown once)."""
    user, password = create_user(db, username, role)
    if project:
        db.add(Membership(project_id=project_for(db, admin, project).id, user_id=user.id))
    return user, password


def add_member(db: Session, admin: User, slug: str, username: str) -> tuple[Project, User]:
    """Let user ``username`` work on project ``slug`` (a member already stays one);
    NotFound for an unknown user or project."""
    project = project_for(db, admin, slug)
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    if db.get(Membership, (project.id, user.id)) is None:
        db.add(Membership(project_id=project.id, user_id=user.id))
    return project, user
