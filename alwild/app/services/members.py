"""Accounts and project membership, as the admin API, the Admin page and ``alwild user``
change them: new users, members, deactivation, passwords and the admin reset.

The caller commits (the routes do, before they answer)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.auth import check_password, create_user, hash_password, new_password
from alwild.app.services.projects import NotFound, project_for
from alwild.app.services.sessions import end_sessions
from alwild.app.store.orm import Membership, Project, User
from alwild.errors import UserValueError

__all__ = ["add_user", "add_member", "people", "person", "set_active", "set_password",
           "reset_admin"]

PEOPLE = User.password_hash != "!"  # system and token-only accounts cannot log in


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


def people(db: Session) -> list[User]:
    """Every person's account (not the system and token-only accounts), oldest first."""
    return list(db.scalars(select(User).where(PEOPLE).order_by(User.id)))


def person(db: Session, username: str) -> User:
    """The account ``username`` of a person (not a system or token-only account)."""
    user = db.scalar(select(User).where(User.username == username, PEOPLE))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def set_active(db: Session, admin: User, username: str, active: bool) -> User:
    """Deactivate (or reactivate) ``username``. A deactivated user can neither log in nor use
    an API token, and their sessions end; admins cannot deactivate themselves."""
    user = person(db, username)
    if user.id == admin.id and not active:
        raise UserValueError("you cannot deactivate your own account: ask another admin")
    if not active and user.role == "admin" and user.active and not db.scalar(
            select(User.id).where(PEOPLE, User.role == "admin", User.active,
                                  User.id != user.id).limit(1)):
        raise UserValueError(f"{username!r} is the only active admin: add another admin "
                             "first (`alwild user add DIR NAME --role admin`)")
    user.active = active
    if not active:
        end_sessions(db, user)
    return user


def set_password(db: Session, user: User, password: str) -> int:
    """Give ``user`` a new password and end their sessions; returns how many ended."""
    user.password_hash = hash_password(check_password(password))
    return end_sessions(db, user)


def reset_admin(db: Session, username: str | None = None) -> tuple[User, str]:
    """A new random password for admin ``username`` (default: the first admin, created if
    there is none), reactivated, with every session ended; returns it with the password."""
    query = select(User).where(User.role == "admin").order_by(User.id)
    user = db.scalar(query.where(User.username == username) if username else query)
    if user is None and username:
        raise NotFound(f"no admin {username!r}")
    if user is None:
        return create_user(db, "admin", "admin")
    password = new_password()
    set_password(db, user, password)
    user.active = True
    return user, password
