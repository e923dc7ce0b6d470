"""Every module path the app had before it was regrouped still imports, as the very module
object of its new path, with all the names it had; pickles naming an old path load."""

from __future__ import annotations

import importlib
import pickle

import pytest

from alwild.moved import OLD_PATHS

# old path: the public names it had (its __all__ and what it defined), before the move
OLD_NAMES = {
    "alwild.app.api": (
        "add_member add_user claim get_item get_media health item_labels make_token me "
        "post_image post_label post_row project project_progress project_queue projects "
        "renew_lease retrain review router skip_item update_project"
    ),
    "alwild.app.auth": (  # its signed-cookie sessions became services/sessions.py (issue 13)
        "authenticate check_csrf create_user csrf_token hash_password hash_token "
        "new_api_token new_password user_for_token verify_password"
    ),
    "alwild.app.chart": "curve_geometry",
    "alwild.app.demo": "DATA build_demo",
    "alwild.app.deps": (
        "Admin Caller DB NeedLogin SESSION_COOKIE Who csrf_ok get_db identified require_admin "
        "transactional who who_optional workspace"
    ),
    "alwild.app.export": "FORMATS export",
    "alwild.app.features": (
        "ALLOWED_IMAGE_FORMATS MAX_IMAGE_PIXELS decode_image image_features make_estimator "
        "model_columns records_frame"
    ),
    "alwild.app.ingest": (
        "IngestReport add_imported_label import_user ingest is_holdout read_table row_hash "
        "store_image store_row"
    ),
    # its StreamIntake scored in the web process; the worker's StreamDecider does (issue 13)
    "alwild.app.intake": "POLICY",
    "alwild.app.labels": (
        "Conflict MAX_BOXES Submission check_boxes disagreements frame_target label_summary "
        "submit_label"
    ),
    "alwild.app.leases": (
        "LeaseError claim_item claim_next holds_lease human_labels release renew "
        "skip"
    ),
    "alwild.app.media": "confined media_file",
    "alwild.app.models": (
        "ApiToken Base Item Label Membership ModelVersion Project QueryRound RoundItem Skip "
        "User now"
    ),
    "alwild.app.pages": (
        "admin_add_member admin_add_user admin_page admin_retrain admin_settings admin_token "
        "home item_page login login_page logout next_item progress_page queue_page router"
    ),
    "alwild.app.projects": (
        "AccessDenied NotFound apply_settings can_see check_strategy create_project "
        "parse_labels project_for slugify visible_projects"
    ),
    "alwild.app.registry": "UnsafeModelFile load_model save_model",
    "alwild.app.schemas": (
        "BoxIn ConflictOut IntakeOut ItemOut LabelIn LabelOut MemberIn Message ModelOut "
        "ProgressOut ProjectOut ProjectSettings QueueEntry RoundOut RowIn StreamBudget "
        "TokenOut UserIn UserOut"
    ),
    "alwild.app.server": "CSP Guard MAX_BODY_BYTES create_app",
    "alwild.app.service": "ensure_admin pick_project projects_without_round serve",
    "alwild.app.training": "TrainResult learning_curve project_kind train_project",
    "alwild.app.views": (
        "current_round item_dict item_for label_dict preview_text progress project_dict "
        "queue_entries"
    ),
    "alwild.app.workspace": "SETTINGS_FILE Workspace make_engine open_workspace",
}


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_an_old_app_path_is_the_new_module_with_its_names(old):
    module = importlib.import_module(old)
    new = OLD_PATHS[old]
    assert module is importlib.import_module(new) and module.__name__ == new
    assert [n for n in OLD_NAMES[old].split() if not hasattr(module, n)] == []


def test_every_moved_app_module_is_listed():
    assert sorted(p for p in OLD_PATHS if p.startswith("alwild.app.")) == sorted(OLD_NAMES)


def test_a_pickle_naming_an_old_path_loads_the_moved_class():
    from alwild.app.store.orm import Label
    from alwild.app.web.launch import pick_project

    assert pickle.loads(b"calwild.app.models\nLabel\n.") is Label
    assert pickle.loads(b"calwild.app.service\npick_project\n.") is pick_project
