"""Handing out items with leases.

An item of the current round is claimed with a lease of ``project.lease_seconds`` by one
atomic ``UPDATE ... WHERE lease expired ... RETURNING``; on PostgreSQL its pick is a
``SELECT ... FOR UPDATE SKIP LOCKED``, a row no other transaction holds. An item is
offered until it has ``project.overlap`` labels; never to the same annotator twice, never
to two annotators at once.
"""

from __future__ import annotations

import functools

from sqlalchemy import and_, bindparam, exists, func, not_, select, update
from sqlalchemy.orm import Session

from alwild.app.services.projects import NotFound, by_role
from alwild.app.store.orm import Item, Label, Project, Skip, User, now

__all__ = ["human_labels", "budget_spent", "claim_next", "claim_next_in", "claim_item", "open_item",
           "holds_lease", "renew", "release", "skip", "unskip", "LeaseError"]


class LeaseError(Exception):
    """The lease is not (or no longer) held by this user."""


def _claimable(single: bool):
    """Items of project ``p_project`` that user ``p_user`` may claim at time ``p_now``
    (bound parameters; ``single``: the project's overlap is 1, else ``p_overlap``)."""
    mine = exists().where(Label.item_id == Item.id, Label.user_id == bindparam("p_user"))
    skipped = exists().where(Skip.item_id == Item.id, Skip.user_id == bindparam("p_user"))
    # one label per item (the usual overlap) as an equality, so that the index
    # ``ix_items_open`` hands the items out in rank order without a sort
    wanted = Item.n_labels == 0 if single else Item.n_labels < bindparam("p_overlap")
    return and_(Item.project_id == bindparam("p_project"), Item.queued.is_(True), wanted,
                _free_or_mine(), not_(mine), not_(skipped))


def _free_or_mine():
    return (Item.lease_expires < bindparam("p_now")) | (Item.lease_user_id == bindparam("p_user"))


_HUMAN_LABELS = select(func.count(Label.id)).join(Item).where(
    Item.project_id == bindparam("p_project"), Label.request_id.not_like("import-%"))


def human_labels(db: Session, project: Project) -> int:
    """Labels given by people (imported seed labels do not spend the budget)."""
    return db.scalar(_HUMAN_LABELS, {"p_project": project.id}) or 0


LARGEST_LABEL_ID = select(func.max(Label.id))


def budget_spent(db: Session, project: Project, largest_label_id: int | None = None) -> bool:
    """Whether ``project``'s people have given ``project.budget`` labels. Label ids are
    distinct positive integers, so no project has more labels than the largest id
    (``largest_label_id`` if already read, else looked up): the count is only needed once
    that reaches the budget."""
    if largest_label_id is None:
        largest_label_id = db.scalar(LARGEST_LABEL_ID)
    if (largest_label_id or 0) < project.budget:
        return False
    return human_labels(db, project) >= project.budget


@functools.cache
def _claim_statement(postgres: bool, single: bool):
    """The claim as one statement, built once per database kind and overlap: the item the
    user holds (a live lease, renewed), else the first claimable one in rank order (on
    PostgreSQL one that no other transaction holds), leased and returned."""
    held = select(Item.id).where(Item.project_id == bindparam("p_project"),
                                 Item.lease_user_id == bindparam("p_user"),
                                 Item.lease_expires >= bindparam("p_now"),
                                 Item.queued.is_(True)).limit(1)
    pick = (select(Item.id).where(_claimable(single))
            .order_by(Item.queue_rank, Item.id).limit(1))
    if postgres:  # a row no other transaction holds
        pick = pick.with_for_update(skip_locked=True)
    lease = (update(Item.__table__)
             .where(Item.id == func.coalesce(held.scalar_subquery(), pick.scalar_subquery()),
                    _free_or_mine())
             .values(lease_user_id=bindparam("p_user"), lease_expires=bindparam("p_until"))
             .returning(*Item.__table__.c))
    # the leased row as an Item (one the session holds already is refreshed)
    return select(Item).from_statement(lease).execution_options(populate_existing=True)


def claim_next(db: Session, project: Project, user: User,
               largest_label_id: int | None = None) -> Item | None:
    """Lease the most informative open item of the current round to ``user``, or None
    (also when the project's label budget is spent; ``largest_label_id``: see
    :func:`budget_spent`).

    A user who already holds a lease gets that item back (one item per person at a time).
    """
    if budget_spent(db, project, largest_label_id):
        return None
    t = now()
    statement = _claim_statement(db.get_bind().dialect.name == "postgresql",
                                 project.overlap == 1)
    return db.scalar(statement, {"p_project": project.id, "p_user": user.id, "p_now": t,
                                 "p_until": t + project.lease_seconds,
                                 "p_overlap": project.overlap})


_PROJECT_AND_LARGEST = by_role(lambda visible: select(Project, LARGEST_LABEL_ID.scalar_subquery())
                               .where(Project.slug == bindparam("p_slug"), visible))


def claim_next_in(db: Session, user: User, slug: str) -> tuple[Project, Item | None]:
    """Project ``slug`` (if ``user`` may see it, else NotFound) and the item
    :func:`claim_next` leases there, or None. Caller commits. The project, its visibility
    and the budget's first check are one query."""
    found = db.execute(_PROJECT_AND_LARGEST[user.role == "admin"],
                       {"p_slug": slug, "p_user": user.id}).first()
    if found is None:
        raise NotFound(f"no project {slug!r}")
    project, largest = found
    return project, claim_next(db, project, user, largest)


def claim_item(db: Session, project: Project, user: User, item: Item) -> bool:
    """Lease a given item (opened from the queue list) if nobody else holds it."""
    t = now()
    got = db.execute(
        update(Item).where(Item.id == item.id,
                           (Item.lease_expires < t) | (Item.lease_user_id == user.id))
        .values(lease_user_id=user.id, lease_expires=t + project.lease_seconds)
        .execution_options(synchronize_session=False)).rowcount
    db.refresh(item)
    return bool(got)


def open_item(db: Session, project: Project, user: User, uid: str) -> tuple[Item, bool]:
    """Item ``uid`` of ``project`` (else NotFound), leased to ``user`` unless they labelled it
    already or hold it; and whether someone else holds it (then it opens read-only).
    Caller commits."""
    item = db.scalar(select(Item).where(Item.uid == uid, Item.project_id == project.id))
    if item is None:
        raise NotFound(f"no item {uid!r} in this project")
    mine = db.scalar(select(Label.id).where(Label.item_id == item.id, Label.user_id == user.id))
    if mine is not None or holds_lease(item, user):
        return item, False
    return item, not claim_item(db, project, user, item)


def holds_lease(item: Item, user: User) -> bool:
    return item.lease_user_id == user.id and item.lease_expires >= now()


def renew(db: Session, project: Project, user: User, item: Item) -> float:
    """Extend the user's lease; LeaseError if it expired and someone else took the item."""
    if item.lease_user_id != user.id:
        raise LeaseError("this item is not leased to you (the lease expired and the item "
                         "went to someone else); take the next item from the queue")
    item.lease_expires = now() + project.lease_seconds
    return item.lease_expires


def release(db: Session, item: Item, user: User) -> None:
    if item.lease_user_id == user.id:
        item.lease_user_id, item.lease_expires = None, 0.0


def skip(db: Session, item: Item, user: User) -> None:
    """Give the item back and do not offer it to this user again."""
    release(db, item, user)
    if db.get(Skip, (item.id, user.id)) is None:
        db.add(Skip(item_id=item.id, user_id=user.id))


def unskip(db: Session, item: Item, user: User) -> bool:
    """Undo :func:`skip`: the item is offered to this user again; whether a skip was undone."""
    row = db.get(Skip, (item.id, user.id))
    if row is not None:
        db.delete(row)
    return row is not None
