"""Image data for active learning: readers, an embedding cache, contact sheets.

Export of boxes (YOLO, COCO) lives in :mod:`alwild.export`; ``alwild.vision.export``
still imports, as :mod:`alwild.export.tables`.
"""

from alwild.moved import keep_old_paths

keep_old_paths({"alwild.vision.export": "alwild.export.tables"})
