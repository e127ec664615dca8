"""Every write of the integration app, by topic (one module each); the names are re-exported
here so that `from gongzhi.integration import services; services.batch_submit(...)` works.

- sources: sources, their layout and code maps, the built-in 社区采集 source, who may import
- imports: import batches, run in resumable chunks, and the linking of a chunk
- staging: one row validated and normalised
- linking: a record linked to a person or registering one; review of candidates and conflicts
- provenance: field values by source, field rules, conflicts, the community's own edits
- merges: two records of one resident merged, and the merge undone
- sharing: which fields each kind of department may read

Reads live in ../selectors.py.
"""

from ..selectors import user_departments  # a read: kept here for callers
from .imports import (
    CHUNK_SIZE,
    MAX_PUSH_ROWS,
    batch_push,
    batch_run,
    batch_submit,
    record_link,
    records_link,
)
from .linking import (
    batch_recount,
    candidate_accept,
    candidate_reject,
    conflict_resolve,
    record_register,
)
from .merges import merge_undo, person_merge
from .provenance import (
    HELD_FIELDS,
    ORIGIN,
    choose,
    display_value,
    field_values_record,
    manual_observation_record,
    person_changed,
    person_fields_apply,
    persons_fields_apply,
    shown_values,
)
from .sharing import (
    sharing_rules_set,
)
from .sources import (
    BUILTIN_SOURCE_NAME,
    BUILTIN_TRUST_RANK,
    builtin_source,
    parse_code_map,
    source_create,
    source_update,
)
from .staging import (
    Staged,
    clean_name,
    community_stem,
    excel_mangled,
    parse_date,
    stage_row,
    stage_values,
)

__all__ = [
    "BUILTIN_SOURCE_NAME",
    "BUILTIN_TRUST_RANK",
    "CHUNK_SIZE",
    "HELD_FIELDS",
    "MAX_PUSH_ROWS",
    "ORIGIN",
    "Staged",
    "batch_push",
    "batch_recount",
    "batch_run",
    "batch_submit",
    "builtin_source",
    "candidate_accept",
    "candidate_reject",
    "record_register",
    "choose",
    "clean_name",
    "community_stem",
    "conflict_resolve",
    "display_value",
    "excel_mangled",
    "field_values_record",
    "manual_observation_record",
    "merge_undo",
    "parse_code_map",
    "parse_date",
    "person_changed",
    "person_fields_apply",
    "person_merge",
    "persons_fields_apply",
    "record_link",
    "records_link",
    "sharing_rules_set",
    "shown_values",
    "source_create",
    "source_update",
    "stage_row",
    "stage_values",
    "user_departments",
]
