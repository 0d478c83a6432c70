"""Seed the product category tree (top level and leaves, English and Chinese)."""

from django.db import migrations

CATEGORY_TREE = [
    ("apparel", "Apparel", "服装", [
        ("t-shirts", "T-shirts", "T恤"),
        ("hoodies", "Hoodies and sweatshirts", "卫衣"),
        ("dresses", "Dresses", "连衣裙"),
        ("jeans", "Jeans", "牛仔裤"),
        ("sportswear", "Sportswear", "运动服"),
    ]),
    ("textiles", "Home textiles", "家纺", [
        ("bedding", "Bedding sets", "床上用品"),
        ("towels", "Towels", "毛巾"),
        ("curtains", "Curtains", "窗帘"),
    ]),
    ("shoes", "Shoes", "鞋", [
        ("sneakers", "Sneakers", "运动鞋"),
        ("slippers", "Slippers", "拖鞋"),
        ("leather-shoes", "Leather shoes", "皮鞋"),
    ]),
    ("bags", "Bags", "箱包", [
        ("backpacks", "Backpacks", "双肩包"),
        ("handbags", "Handbags", "手提包"),
        ("tote-bags", "Canvas tote bags", "帆布袋"),
    ]),
    ("electronics-accessories", "Electronics accessories", "电子配件", [
        ("phone-cases", "Phone cases", "手机壳"),
        ("charging-cables", "Charging cables", "数据线"),
        ("earphone-cases", "Earphone cases", "耳机套"),
    ]),
    ("home-goods", "Home goods", "家居用品", [
        ("ceramic-mugs", "Ceramic mugs", "陶瓷杯"),
        ("storage-boxes", "Storage boxes", "收纳盒"),
        ("kitchen-utensils", "Kitchen utensils", "厨房用具"),
    ]),
]


def seed(apps, schema_editor):
    ProductCategory = apps.get_model("marketplace", "ProductCategory")
    for slug, name, name_zh, leaves in CATEGORY_TREE:
        parent, _ = ProductCategory.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_zh": name_zh, "parent": None}
        )
        for leaf_slug, leaf_name, leaf_zh in leaves:
            ProductCategory.objects.update_or_create(
                slug=leaf_slug, defaults={"name": leaf_name, "name_zh": leaf_zh, "parent": parent}
            )


def unseed(apps, schema_editor):
    ProductCategory = apps.get_model("marketplace", "ProductCategory")
    leaf_slugs = [leaf[0] for _, _, _, leaves in CATEGORY_TREE for leaf in leaves]
    ProductCategory.objects.filter(slug__in=leaf_slugs).delete()
    ProductCategory.objects.filter(slug__in=[slug for slug, *_ in CATEGORY_TREE]).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
