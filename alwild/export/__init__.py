"""Writing labels out for other tools: CSV, COCO, YOLO, Pascal VOC and Label Studio.

Pure writers on plain records (:mod:`alwild.export.records`): one :class:`Box` type in
image pixels, the :class:`Image` it is drawn on, and for the per-annotator formats the
:class:`LabelledItem` with its :class:`Answer` s. Nothing here knows the labelling app's store or
the case studies; they turn their own data into these records (the app in
:mod:`alwild.app.services.export`, a pandas boxes table in :mod:`alwild.export.tables`).
:data:`FORMATS` (in :mod:`alwild.export.formats`) is the table of formats by name that
the app and ``alwild export`` offer.
"""

from alwild.export.coco import coco_dict, write_coco
from alwild.export.formats import FORMATS, Format, get_format
from alwild.export.label_table import write_csv
from alwild.export.labelstudio import write_labelstudio
from alwild.export.records import Answer, Box, Image, LabelledItem
from alwild.export.voc import voc_xml, write_voc
from alwild.export.yolo import write_yolo, yolo_lines

__all__ = ["Answer", "Box", "Image", "LabelledItem", "coco_dict", "write_coco", "write_csv",
           "write_labelstudio", "voc_xml", "write_voc", "write_yolo", "yolo_lines",
           "FORMATS", "Format", "get_format"]
