"""Where China's consumer goods are made and where sellers ship to: the data the demo
(demo/data.py) and the market benchmark (bench) both draw from.

Pure Python and kept out of the ``marketplace`` package on purpose: the benchmark runs
without Django.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    province: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class ManufacturingCity(City):
    weight: int
    # demo category slug -> how typical it is for the city's industrial cluster
    specialities: tuple[tuple[str, int], ...]


# Industrial clusters (产业带): what each city is known for making (leaf category slug ->
# how typical it is there), and how many factories it gets relative to the others.
# fmt: off
MANUFACTURING_CITIES: tuple[ManufacturingCity, ...] = (
    ManufacturingCity("Guangzhou", "Guangdong", 23.1291, 113.2644, 6, (
        ("t-shirts", 3), ("dresses", 3), ("jeans", 2), ("hoodies", 1), ("handbags", 3),
        ("backpacks", 2))),
    ManufacturingCity("Shenzhen", "Guangdong", 22.5431, 114.0579, 5, (
        ("phone-cases", 4), ("charging-cables", 4), ("earphone-cases", 3))),
    ManufacturingCity("Dongguan", "Guangdong", 23.0205, 113.7518, 6, (
        ("charging-cables", 3), ("phone-cases", 2), ("earphone-cases", 2), ("sneakers", 2),
        ("hoodies", 2), ("sportswear", 2), ("storage-boxes", 1))),
    ManufacturingCity("Foshan", "Guangdong", 23.0215, 113.1214, 3, (
        ("ceramic-mugs", 3), ("kitchen-utensils", 3), ("storage-boxes", 2), ("jeans", 1))),
    ManufacturingCity("Chaozhou", "Guangdong", 23.6567, 116.6226, 2, (
        ("ceramic-mugs", 4), ("kitchen-utensils", 2), ("dresses", 1))),
    ManufacturingCity("Yiwu", "Zhejiang", 29.3069, 120.0753, 5, (
        ("storage-boxes", 3), ("tote-bags", 3), ("kitchen-utensils", 2), ("slippers", 1),
        ("phone-cases", 1))),
    ManufacturingCity("Ningbo", "Zhejiang", 29.8683, 121.5440, 3, (
        ("kitchen-utensils", 3), ("storage-boxes", 2), ("t-shirts", 2), ("hoodies", 2),
        ("charging-cables", 1))),
    ManufacturingCity("Hangzhou", "Zhejiang", 30.2741, 120.1551, 4, (
        ("dresses", 3), ("t-shirts", 2), ("curtains", 2), ("hoodies", 1))),
    ManufacturingCity("Wenzhou", "Zhejiang", 27.9938, 120.6994, 3, (
        ("leather-shoes", 4), ("slippers", 2), ("handbags", 1))),
    ManufacturingCity("Suzhou", "Jiangsu", 31.2990, 120.5853, 3, (
        ("bedding", 3), ("dresses", 2), ("t-shirts", 1), ("curtains", 1))),
    ManufacturingCity("Nantong", "Jiangsu", 31.9802, 120.8943, 3, (
        ("bedding", 4), ("curtains", 3), ("towels", 2))),
    ManufacturingCity("Quanzhou", "Fujian", 24.8741, 118.6757, 4, (
        ("sneakers", 3), ("sportswear", 3), ("backpacks", 3))),
    ManufacturingCity("Jinjiang", "Fujian", 24.7813, 118.5522, 3, (
        ("sneakers", 4), ("slippers", 2), ("sportswear", 2))),
    ManufacturingCity("Putian", "Fujian", 25.4540, 119.0078, 3, (
        ("sneakers", 4), ("leather-shoes", 2))),
    ManufacturingCity("Qingdao", "Shandong", 36.0671, 120.3826, 3, (
        ("hoodies", 3), ("t-shirts", 2), ("towels", 1), ("kitchen-utensils", 1))),
    ManufacturingCity("Gaoyang", "Hebei", 38.6995, 115.7789, 2, (
        ("towels", 5), ("bedding", 1))),
    ManufacturingCity("Baigou", "Hebei", 39.1258, 116.0397, 2, (
        ("handbags", 3), ("backpacks", 3), ("tote-bags", 2))),
)
# fmt: on

# Where sellers ship to, with weights.
DESTINATIONS: tuple[tuple[City, int], ...] = (
    (City("Shanghai", "Shanghai", 31.2304, 121.4737), 8),
    (City("Beijing", "Beijing", 39.9042, 116.4074), 7),
    (City("Guangzhou", "Guangdong", 23.1291, 113.2644), 4),
    (City("Shenzhen", "Guangdong", 22.5431, 114.0579), 4),
    (City("Hangzhou", "Zhejiang", 30.2741, 120.1551), 4),
    (City("Chengdu", "Sichuan", 30.5728, 104.0668), 4),
    (City("Chongqing", "Chongqing", 29.5630, 106.5516), 3),
    (City("Wuhan", "Hubei", 30.5928, 114.3055), 3),
    (City("Xi'an", "Shaanxi", 34.3416, 108.9398), 3),
    (City("Nanjing", "Jiangsu", 32.0603, 118.7969), 3),
    (City("Tianjin", "Tianjin", 39.3434, 117.3616), 2),
    (City("Changsha", "Hunan", 28.2282, 112.9388), 2),
    (City("Zhengzhou", "Henan", 34.7466, 113.6253), 2),
    (City("Shenyang", "Liaoning", 41.8057, 123.4315), 2),
    (City("Harbin", "Heilongjiang", 45.8038, 126.5350), 1),
    (City("Kunming", "Yunnan", 25.0389, 102.7183), 2),
    (City("Xiamen", "Fujian", 24.4798, 118.0894), 2),
    (City("Jinan", "Shandong", 36.6512, 117.1201), 1),
    (City("Hefei", "Anhui", 31.8206, 117.2272), 1),
    (City("Nanning", "Guangxi", 22.8170, 108.3669), 1),
    (City("Guiyang", "Guizhou", 26.6470, 106.6302), 1),
    (City("Lanzhou", "Gansu", 36.0611, 103.8343), 1),
    (City("Urumqi", "Xinjiang", 43.8256, 87.6168), 1),
    (City("Haikou", "Hainan", 20.0440, 110.1999), 1),
)
