"""The gazetteer (marketplace/places.py) and GET /api/places/: cities by Chinese or pinyin
name or code, with coordinates from the cpca data package."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.places import PlaceNotFound, place_list, place_resolve, place_search


def test_it_holds_the_municipalities_prefecture_and_county_level_cities() -> None:
    codes = {place.code: place for place in place_list()}

    assert {"110000", "310000", "500000", "810000"} <= set(codes)  # Beijing ... Hong Kong
    assert codes["440300"].name == "深圳市" and codes["440300"].name_en == "Shenzhen"
    assert codes["330782"].name == "义乌市"  # a county-level city, where factories are
    assert "110101" not in codes  # a district of Beijing is not a city
    assert len(codes) > 600
    assert all(15 < p.latitude < 54 and 73 < p.longitude < 136 for p in place_list())


@pytest.mark.parametrize("name", ["深圳", "深圳市", "Shenzhen", "shen zhen", "SHENZHEN", "440300"])
def test_a_city_is_found_by_any_of_its_names_or_its_code(name: str) -> None:
    place = place_resolve(name)

    assert (place.code, place.province, place.province_en) == ("440300", "广东省", "Guangdong")
    assert place.label("en") == "Shenzhen, Guangdong"
    assert place.label("zh-hans") == "深圳市（广东省）"


@pytest.mark.parametrize(
    ("name", "english"),
    [("什邡市", "Shifang"), ("长治市", "Changzhi"), ("朝阳市", "Chaoyang"), ("都匀市", "Duyun"),
     ("漯河市", "Luohe"), ("栖霞市", "Qixia"), ("长沙市", "Changsha"), ("乐清市", "Yueqing"),
     ("重庆市", "Chongqing"), ("厦门市", "Xiamen"),
     # autonomous prefectures, by their place name
     ("大理白族自治州", "Dali"), ("黔东南苗族侗族自治州", "Qiandongnan"),
     ("延边朝鲜族自治州", "Yanbian"), ("伊犁哈萨克自治州", "Yili"),
     ("海西蒙古族藏族自治州", "Haixi")],
)  # fmt: skip
def test_a_city_is_called_in_english_as_it_is_read_not_character_by_character(
    name: str, english: str
) -> None:
    place = next(p for p in place_list() if p.name == name)

    assert place.name_en == english
    assert name in [p.name for p in place_search(english)]


def test_no_english_name_spells_a_suffix_or_a_people() -> None:
    for place in place_list():
        assert place.name_en.isascii() and place.name_en[:1].isupper(), place
        assert not place.name_en.endswith("zu") and "zizhi" not in place.name_en, place


def test_an_ambiguous_name_lists_every_place_it_fits() -> None:
    with pytest.raises(PlaceNotFound) as found:
        place_resolve("Taizhou")

    assert found.value.ambiguous
    assert {p.name for p in found.value.matches} == {"泰州市", "台州市"}


def test_a_misspelt_name_lists_close_matches() -> None:
    with pytest.raises(PlaceNotFound) as found:
        place_resolve("Shenzen")

    assert not found.value.ambiguous
    assert "深圳市" in [p.name for p in found.value.matches]


def test_type_ahead_finds_cities_by_the_first_letters() -> None:
    assert "深圳市" in [p.name for p in place_search("shenz")]
    assert "广州市" in [p.name for p in place_search("广")]
    assert [p.code for p in place_search("4403")] == ["440300"]
    assert place_search("") == []


@pytest.mark.django_db
def test_the_api_answers_type_ahead_in_the_readers_language(api: APIClient) -> None:
    english = api.get("/api/places/", {"q": "yiwu"})
    chinese = api.get("/api/places/", {"q": "yiwu"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == 200
    (yiwu,) = english.json()
    assert yiwu["code"] == "330782" and yiwu["display_name"] == "Yiwu, Zhejiang"
    assert chinese.json()[0]["display_name"] == "义乌市（浙江省）"


@pytest.mark.django_db
def test_the_api_refuses_an_overlong_query(api: APIClient) -> None:
    response = api.get("/api/places/", {"q": "x" * 51})

    assert response.status_code == 400
    assert "q" in response.json()
