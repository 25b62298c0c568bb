"""Pydantic models of semantic-convention files (v1 `groups:`, v2 `definition/2`) and the registry manifest.

They mirror weaver 0.25.1's serde structs: unknown keys are rejected (`deny_unknown_fields`), values are
strictly typed (weaver deserialises from a YAML value, so `brief: 1` is not a string), and every union is
resolved by a callable discriminator so that a broken item yields errors about one branch only. Tags are
registered in `TAGS` so that error locations can be mapped back to document paths and field docs.
"""

from weavergen.model.base import *  # noqa: F403
from weavergen.model.base import TAGS as TAGS
from weavergen.model.base import _examples as _examples
from weavergen.model.base import _value_spec as _value_spec
from weavergen.model.base import examples_kind as examples_kind
from weavergen.model.common import *  # noqa: F403
from weavergen.model.manifest import *  # noqa: F403
from weavergen.model.v1 import *  # noqa: F403
from weavergen.model.v2 import *  # noqa: F403
