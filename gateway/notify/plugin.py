"""A notifier plugin: what one channel file declares about itself.

``PLUGIN = NotifierPlugin(type="dingtalk", config=DingtalkChannel, build=DingtalkNotifier)``:
the ``type`` a ``[notify.channels.<name>]`` table names, the pydantic class that checks the
table (a ``ChannelBase`` with ``type: Literal["dingtalk"]``), and what builds the notifier
from a checked table. ``gateway/notify/registry.py`` collects the plugins.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, get_args

from gateway.notify import text
from gateway.notify.base import Notifier
from gateway.notify.channel import ChannelBase

C = TypeVar("C", bound=ChannelBase)
C_contra = TypeVar("C_contra", bound=ChannelBase, contravariant=True)


class Build(Protocol[C_contra]):
    """Makes the notifier of one channel: a notifier class itself, usually."""

    def __call__(self, *, name: str, config: C_contra, describe: text.Describe | None) -> Notifier:
        """``name``: the table's name (routes refer to it); ``describe``: a building id's
        name, for the texts."""
        ...


@dataclass(frozen=True, kw_only=True)
class NotifierPlugin(Generic[C]):
    type: str
    """What a channel table's ``type`` says to pick this plugin."""
    config: builtins.type[C]
    """Checks a table: keys, defaults, validation and the descriptions the configuration
    reference shows (``siteguard/config_doc.py``)."""
    build: Build[C]

    def __post_init__(self) -> None:
        field = self.config.model_fields.get("type")
        if field is None or get_args(field.annotation) != (self.type,):
            raise ValueError(
                f"{self.config.__name__}.type must be Literal[{self.type!r}], as the plugin says"
            )
