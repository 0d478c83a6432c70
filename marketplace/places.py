"""Places by name: the cities of China with their coordinates, so that nobody types a latitude.

The gazetteer is cpca's table of administrative divisions (``cpca/resources/adcodes.csv``:
adcode, Chinese name, longitude, latitude; MIT licence), read from the installed package
without importing it (it would import pandas), with pinyin names from ``pypinyin`` (the few
it misreads as CC-CEDICT reads them, ``READINGS``; an autonomous prefecture by its place name,
大理白族自治州 as Dali). It holds
the municipalities and special administrative regions, every prefecture-level city and every
county-level city (义乌市, 昆山市, 晋江市: many factories are there); not districts or counties.

A place is named by its six-digit code ("440300"), its Chinese name with or without the
suffix ("深圳市", "深圳") or its pinyin/English name ("Shenzhen", "shen zhen"). ``place_resolve``
answers one place, or raises ``PlaceNotFound`` with the close matches (``ambiguous`` when the
name fits several, e.g. "Taizhou": 泰州市 in Jiangsu and 台州市 in Zhejiang).
"""

from __future__ import annotations

import csv
import difflib
import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

# the suffixes a name is also known without, longest first
SUFFIXES = ("特别行政区", "自治州", "自治区", "地区", "盟", "省", "市")
# provinces whose pinyin is not their English name (陕西 and 山西 share one pinyin)
PROVINCE_ENGLISH = {
    "陕西省": "Shaanxi",
    "内蒙古自治区": "Inner Mongolia",
    "广西壮族自治区": "Guangxi",
    "西藏自治区": "Tibet",
    "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang",
    "香港特别行政区": "Hong Kong",
    "澳门特别行政区": "Macau",
}
MUNICIPALITIES = ("11", "12", "31", "50", "81", "82")  # Beijing ... Chongqing, HK, Macau
NOT_A_CITY = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
# names pypinyin's own dictionary reads wrong (长 as zhang, 都 as dou, 什 as shen ...): the
# readings of CC-CEDICT (pypinyin-dict's cc_cedict), written here so that no 60 MB phrase
# table is loaded for ~15 names; tests/marketplace/test_places.py holds each one
READINGS = {
    "什邡": "Shifang",
    "天长": "Tianchang",
    "宜都": "Yidu",
    "库尔勒": "Kuerle",
    "昌都": "Changdu",
    "朝阳": "Chaoyang",
    "栖霞": "Qixia",
    "漯河": "Luohe",
    "珲春": "Hunchun",
    "都匀": "Duyun",
    "锡林郭勒": "Xilinguole",
    "长治": "Changzhi",
    "长葛": "Changge",
    "阿勒泰": "Aletai",
    "阿图什": "Atushi",
    "霍林郭勒": "Huolinguole",
}
# the peoples an autonomous prefecture (自治州) is named for follow its place name, which is
# what it is called by in English (大理白族自治州: Dali)
PEOPLES = (
    "朝鲜族", "土家族", "苗族", "藏族", "羌族", "彝族", "布依族", "侗族", "哈尼族", "壮族",
    "傣族", "白族", "景颇族", "傈僳族", "回族", "蒙古族", "蒙古", "柯尔克孜", "哈萨克",
)  # fmt: skip
CLOSE_MATCHES = 5


@dataclass(frozen=True)
class Place:
    code: str  # the six-digit administrative division code
    name: str  # Chinese, e.g. 深圳市
    name_en: str  # pinyin or English, e.g. Shenzhen
    province: str
    province_en: str
    latitude: float
    longitude: float
    level: int = 1  # 0 municipality or SAR, 1 prefecture-level city, 2 county-level city

    def city_name(self, language: str | None) -> str:
        """The name stored as an order's or a factory's city, in the writer's language."""
        return self.name if (language or "").startswith("zh") else self.name_en

    def province_name(self, language: str | None) -> str:
        return self.province if (language or "").startswith("zh") else self.province_en

    def label(self, language: str | None) -> str:
        """The place as a reader of ``language`` reads it, with its province."""
        if (language or "").startswith("zh"):
            return self.name if self.name == self.province else f"{self.name}（{self.province}）"
        if self.name_en == self.province_en:
            return self.name_en
        return f"{self.name_en}, {self.province_en}"


class PlaceNotFound(LookupError):
    """No single place has that name; ``matches`` are the close ones (or all it fits)."""

    def __init__(self, value: str, matches: list[Place], *, ambiguous: bool) -> None:
        super().__init__(value)
        self.value = value
        self.matches = matches
        self.ambiguous = ambiguous

    def message(self) -> str:
        """What went wrong and the close matches, in the active language."""
        names = "; ".join(place.label(get_language()) for place in self.matches)
        if self.ambiguous:
            text = _(
                "“%(value)s” names several places: %(names)s. Say which (its code or province)."
            )
        elif names:
            text = _("No place called “%(value)s”. Did you mean: %(names)s?")
        else:
            text = _("No place called “%(value)s”; give its code or its coordinates.")
        return text % {"value": self.value, "names": names}


def _bare(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _place_name(name: str) -> str:
    """The name without its suffix, and an autonomous prefecture's without its peoples."""
    bare = _bare(name)
    if name.endswith("自治州"):
        while people := next((p for p in PEOPLES if bare.endswith(p)), None):
            bare = bare[: -len(people)]
    return bare


def _pinyin(name: str) -> str:
    bare = _place_name(name)
    return READINGS.get(bare) or "".join(lazy_pinyin(bare)).capitalize()


def _key(text: str) -> str:
    """What a typed name is compared by: lower case, no spaces, hyphens or apostrophes."""
    return re.sub(r"[\s\-'’]", "", text).lower()


def _table() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or spec.origin is None:
        raise RuntimeError("The cpca package (requirements.txt) holds the gazetteer.")
    return Path(spec.origin).parent / "resources" / "adcodes.csv"


@cache
def place_list() -> tuple[Place, ...]:
    """Every place, municipalities first, then by code."""
    with _table().open(encoding="utf-8") as table:
        rows = {row["adcode"][:6]: row for row in csv.DictReader(table)}
    provinces = {code[:2]: row["name"] for code, row in rows.items() if code[2:] == "0000"}
    places = []
    for code, row in sorted(rows.items()):
        name, province = row["name"], provinces.get(code[:2], "")
        municipality = code[2:] == "0000" and code[:2] in MUNICIPALITIES
        prefecture = code[4:] == "00" and code[2:4] != "00" and code[:2] not in MUNICIPALITIES
        county_city = code[4:] != "00" and name.endswith("市")
        if not (municipality or prefecture or county_city) or name in NOT_A_CITY:
            continue
        if not row["latitude"] or not row["longitude"]:
            continue  # a few rows of the table have no coordinates
        province_en = PROVINCE_ENGLISH.get(province) or _pinyin(province)
        places.append(
            Place(
                code=code,
                name=name,
                name_en=province_en if municipality else _pinyin(name),
                province=province,
                province_en=province_en,
                latitude=round(float(row["latitude"]), 6),
                longitude=round(float(row["longitude"]), 6),
                level=0 if municipality else 1 if prefecture else 2,
            )
        )
    return tuple(sorted(places, key=lambda p: (p.code[2:] != "0000", p.code)))


@cache
def _index() -> dict[str, tuple[Place, ...]]:
    found: dict[str, list[Place]] = defaultdict(list)
    for place in place_list():
        names = (place.name, _bare(place.name), place.name_en, place.label("en"), place.label("zh"))
        for key in {_key(name) for name in names}:
            found[key].append(place)
    return {key: tuple(places) for key, places in found.items()}


def place_by_code(code: str) -> Place | None:
    return next((p for p in place_list() if p.code == code[:6]), None)


def place_search(query: str, *, limit: int = 10) -> list[Place]:
    """Places whose Chinese or pinyin name or code starts with ``query`` (type-ahead)."""
    key = _key(query)
    if not key:
        return []
    if key.isdigit():
        return [p for p in place_list() if p.code.startswith(key)][:limit]
    found: list[Place] = []
    for name, places in _index().items():
        if name.startswith(key):
            found.extend(p for p in places if p not in found)
    return sorted(found, key=lambda p: (_key(p.name_en) != key, p.level, p.code))[:limit]


def place_resolve(value: str) -> Place:
    """The one place named by a code or a name; ``PlaceNotFound`` otherwise."""
    key = _key(value)
    if re.fullmatch(r"\d{6}(\d{6})?", key):
        place = place_by_code(key)
        if place is not None:
            return place
        raise PlaceNotFound(value, place_search(key[:4], limit=CLOSE_MATCHES), ambiguous=False)
    places = _index().get(key, ())
    if len(places) == 1:
        return places[0]
    if places:
        raise PlaceNotFound(value, list(places), ambiguous=True)
    close = difflib.get_close_matches(key, _index(), n=CLOSE_MATCHES, cutoff=0.6)
    matches = [p for name in close for p in _index()[name]]
    matches = matches or place_search(key[:2], limit=CLOSE_MATCHES)
    return _raise_not_found(value, matches)


def _raise_not_found(value: str, matches: list[Place]) -> Place:
    unique = list(dict.fromkeys(matches))[:CLOSE_MATCHES]
    raise PlaceNotFound(value, unique, ambiguous=False)
