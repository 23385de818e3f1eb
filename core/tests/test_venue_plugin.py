"""VenuePlugin: the standard hook implementations built from import paths, checked through a
real pluggy manager with the project's hook specifications (not by calling the closures)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pluggy
import pytest
from tradeport import hookspecs
from tradeport.clients.capabilities import Capabilities
from tradeport.config import VenueConfig
from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin, load_path

SPEC = VenueSpec(
    name="acmeplug",
    venue_id="ACMEPLUG",
    kind="EXCHANGE",
    capabilities=Capabilities(),
    config_type=VenueConfig,
)


class Built:
    """Records how a factory was called."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs


class Harness:
    pass


def frame_parser_spec() -> str:
    return "parser-spec"


@pytest.fixture
def factories(monkeypatch: pytest.MonkeyPatch) -> str:
    """A module the import paths point at, imported lazily by name."""
    module = types.ModuleType("_venue_plugin_factories")
    module.Built = Built  # type: ignore[attr-defined]
    module.Harness = Harness  # type: ignore[attr-defined]
    module.frame_parser_spec = frame_parser_spec  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def _manager(plugin_module: types.ModuleType) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(plugin_module, name="acmeplug")
    pm.check_pending()  # every exported function is a known hook with a valid signature
    return pm


def _plugin_module(plugin: VenuePlugin) -> types.ModuleType:
    module = types.ModuleType("tradeport_acmeplug.plugin")
    plugin.export(module.__dict__)
    return module


def test_hooks_answer_for_their_venue_only(factories: str) -> None:
    plugin = VenuePlugin(
        SPEC,
        instrument_provider=f"{factories}:Built",
        data_client=f"{factories}:Built",
        execution_client=f"{factories}:Built",
        replay_source=f"{factories}:Built",
        frame_parsers=f"{factories}:frame_parser_spec",
        harness=f"{factories}:Harness",
    )
    hook = _manager(_plugin_module(plugin)).hook

    registered: list[VenueSpec] = []
    hook.tradeport_register_venues(register=registered.append)
    assert registered == [SPEC]

    provider = hook.tradeport_create_instrument_provider(venue="acmeplug", config="cfg", events="ev")
    assert (provider.args, provider.kwargs) == (("cfg",), {"events": "ev"})
    data = hook.tradeport_create_data_client(
        venue="acmeplug", config="cfg", instruments="inst", events="ev"
    )
    assert (data.args, data.kwargs) == (("cfg",), {"instruments": "inst", "events": "ev"})
    execution = hook.tradeport_create_execution_client(
        venue="acmeplug", config="cfg", instruments="inst", events="ev"
    )
    assert (execution.args, execution.kwargs) == (("cfg",), {"instruments": "inst", "events": "ev"})
    replay = hook.tradeport_create_replay_source(
        venue="acmeplug", config="cfg", instruments="inst", frames="fr"
    )
    assert replay.kwargs == {"instruments": "inst", "frames": "fr"}
    assert hook.tradeport_conformance_harness(venue="acmeplug") is Harness
    parsers: list[Any] = []
    hook.tradeport_register_frame_parsers(register=parsers.append)
    assert parsers == ["parser-spec"]

    # Another venue's name: every first-result hook answers None.
    assert hook.tradeport_create_instrument_provider(venue="other", config=1, events=2) is None
    assert (
        hook.tradeport_create_data_client(venue="other", config=1, instruments=2, events=3)
        is None
    )
    assert hook.tradeport_conformance_harness(venue="other") is None


def test_factory_args_and_client_kwargs_reach_every_factory(factories: str) -> None:
    plugin = VenuePlugin(
        SPEC,
        instrument_provider=f"{factories}:Built",
        execution_client=f"{factories}:Built",
        factory_args=("acmeplug",),
        client_kwargs={"capabilities": "caps"},
    )
    hook = _manager(_plugin_module(plugin)).hook
    provider = hook.tradeport_create_instrument_provider(venue="acmeplug", config="cfg", events="ev")
    assert provider.args == ("acmeplug", "cfg")
    assert provider.kwargs == {"events": "ev", "capabilities": "caps"}
    execution = hook.tradeport_create_execution_client(
        venue="acmeplug", config="cfg", instruments="i", events="e"
    )
    assert execution.args == ("acmeplug", "cfg")
    assert execution.kwargs["capabilities"] == "caps"


def test_only_named_hooks_are_exported_and_the_module_keeps_its_own(factories: str) -> None:
    module = types.ModuleType("tradeport_acmeplug.plugin")

    @hookspecs.hookimpl
    def tradeport_conformance_harness(venue: str) -> Any:
        return "own" if venue == "acmeplug" else None

    module.tradeport_conformance_harness = tradeport_conformance_harness  # type: ignore[attr-defined]
    plugin = VenuePlugin(SPEC, data_client=f"{factories}:Built", harness=f"{factories}:Harness")
    plugin.export(module.__dict__)
    exported = {name for name in vars(module) if name.startswith("tradeport_")}
    assert exported == {
        "tradeport_register_venues",
        "tradeport_create_data_client",
        "tradeport_conformance_harness",
    }
    assert module.VENUE_PLUGIN is plugin  # type: ignore[attr-defined]
    assert _manager(module).hook.tradeport_conformance_harness(venue="acmeplug") == "own"


def test_several_harnesses_by_name(factories: str) -> None:
    plugin = VenuePlugin(SPEC, harness={"spot": f"{factories}:Harness", "usdm": f"{factories}:Built"})
    answer = _manager(_plugin_module(plugin)).hook.tradeport_conformance_harness(venue="acmeplug")
    assert answer == {"spot": Harness, "usdm": Built}


def test_spec_given_as_a_path_is_imported_on_registration(
    factories: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.modules[factories].SPEC = SPEC  # type: ignore[attr-defined]
    plugin = VenuePlugin(f"{factories}:SPEC")
    registered: list[VenueSpec] = []
    _manager(_plugin_module(plugin)).hook.tradeport_register_venues(register=registered.append)
    assert registered == [SPEC]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data_client": "tradeport_acme.data.AcmeDataClient"}, "data_client='tradeport_acme.data"),
        ({"harness": None, "frame_parsers": "no_colon"}, "frame_parsers='no_colon'"),
    ],
)
def test_bad_import_paths_are_refused_naming_the_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VenuePlugin(SPEC, **kwargs)


def test_bad_spec_is_refused() -> None:
    with pytest.raises(ValueError, match="'no_colon'"):
        VenuePlugin("no_colon")
    with pytest.raises(TypeError, match="VenueSpec or an import path"):
        VenuePlugin(42)  # type: ignore[arg-type]


def test_load_path_names_what_is_missing(factories: str) -> None:
    assert load_path(f"{factories}:Built") is Built
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        load_path(f"{factories}:Nope")
    with pytest.raises(ModuleNotFoundError):
        load_path("_no_such_module_xyz:Thing")
    with pytest.raises(ValueError, match="not of the form"):
        load_path("just_a_module")
