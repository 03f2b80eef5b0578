"""BoundedCache: the one cache rule (``make`` on a miss only, forget everything when full)."""

from __future__ import annotations

from consentkit.core.bounded import BoundedCache
from consentkit.core.engine import Engine


class Recorder:
    """A ``make`` that remembers every key it was asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, key: str) -> str:
        self.calls.append(key)
        return f"ค่าของ {key}"


def test_a_miss_runs_make_and_remembers_the_value() -> None:
    make = Recorder()
    cache = BoundedCache(make, 4)
    assert cache["กาแฟ"] == "ค่าของ กาแฟ"
    assert make.calls == ["กาแฟ"]
    assert dict(cache) == {"กาแฟ": "ค่าของ กาแฟ"}


def test_a_hit_does_not_call_make() -> None:
    make = Recorder()
    cache = BoundedCache(make, 4)
    first = cache["ชาเย็น"]
    second = cache["ชาเย็น"]
    assert second is first
    assert make.calls == ["ชาเย็น"]


def test_get_and_in_do_not_fill_the_cache() -> None:
    make = Recorder()
    cache = BoundedCache(make, 4)
    assert cache.get("โกโก้") is None
    assert "โกโก้" not in cache
    assert make.calls == []


def test_it_clears_when_full_and_keeps_the_new_entry() -> None:
    make = Recorder()
    cache = BoundedCache(make, 3)
    for key in ("a", "b", "c"):
        cache[key]
    assert len(cache) == 3
    cache["d"]
    assert dict(cache) == {"d": "ค่าของ d"}
    cache["a"]  # forgotten: made again
    assert make.calls == ["a", "b", "c", "d", "a"]


def test_len_never_exceeds_the_limit() -> None:
    cache = BoundedCache(str.upper, 5)
    sizes = []
    for number in range(23):
        cache[f"key{number}"]
        sizes.append(len(cache))
    assert max(sizes) == 5
    assert sizes[:7] == [1, 2, 3, 4, 5, 1, 2]
    assert cache.limit == 5


def test_a_limit_of_one_keeps_only_the_last_key() -> None:
    cache = BoundedCache(str.upper, 1)
    cache["x"]
    cache["y"]
    assert dict(cache) == {"y": "Y"}


def test_the_bound_getitem_works_as_a_plain_function() -> None:
    """The classifier publishes ``cache.__getitem__`` as ``category_of``: a miss through the
    bound method still runs ``make``, a hit does not."""
    make = Recorder()
    cache = BoundedCache(make, 8)
    lookup = cache.__getitem__
    assert lookup("_ga") == "ค่าของ _ga"
    assert lookup("_ga") == "ค่าของ _ga"
    assert make.calls == ["_ga"]
    assert dict(cache) == {"_ga": "ค่าของ _ga"}


def test_the_classifier_category_of_is_such_a_bound_method(engine: Engine) -> None:
    category_of = engine.classifier.category_of
    cache = category_of.__self__  # type: ignore[attr-defined]
    assert isinstance(cache, BoundedCache)
    analytics = category_of("_ga_ABC123")
    assert analytics is not None and analytics.name == "analytics"
    assert category_of("sessionid") is None
    assert cache["_ga_ABC123"] is analytics
    assert "sessionid" in cache  # "no category" is remembered too


def test_a_key_over_longest_key_is_made_every_time_and_never_kept() -> None:
    make = Recorder()
    cache = BoundedCache(make, 4, longest_key=5)
    assert cache["ข้าวผัด"] == "ค่าของ ข้าวผัด"  # 7 characters
    assert cache["ข้าวผัด"] == "ค่าของ ข้าวผัด"
    assert cache["ผัดไท"] == "ค่าของ ผัดไท"  # 5: kept
    cache["ผัดไท"]
    assert make.calls == ["ข้าวผัด", "ข้าวผัด", "ผัดไท"]
    assert dict(cache) == {"ผัดไท": "ค่าของ ผัดไท"}
