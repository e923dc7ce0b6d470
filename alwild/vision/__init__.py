"""Image data for active learning: readers, an embedding cache, contact sheets.

Export of boxes (YOLO, COCO) lives in :mod:`alwild.export`; ``alwild.vision.export``
still imports, as :mod:`alwild.export.tables`.
"""
