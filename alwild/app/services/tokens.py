"""Listing and revoking API tokens. A user sees and revokes their own tokens; an admin,
everyone's. A revoked token is deleted, so it gets 401 from then on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.projects import NotFound
from alwild.app.store.orm import ApiToken, User

__all__ = ["visible_tokens", "revoke_token"]


def visible_tokens(db: Session, user: User) -> list[tuple[ApiToken, str]]:
    """(token, owner's username) of the tokens ``user`` may see, oldest first."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if user.role != "admin":
        query = query.where(ApiToken.user_id == user.id)
    return [tuple(row) for row in db.execute(query.order_by(ApiToken.id))]


def revoke_token(db: Session, user: User, token_id: int) -> ApiToken:
    """Delete token ``token_id``; NotFound if there is none that ``user`` may see."""
    token = db.get(ApiToken, token_id)
    if token is None or (user.role != "admin" and token.user_id != user.id):
        raise NotFound(f"no API token {token_id}")
    db.delete(token)
    return token
