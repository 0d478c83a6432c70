"""Every category has a Chinese name as well as an English one (readers see the name of their
language). Categories without one get the seeded Chinese name of their slug, else their
English name, which staff can then translate in the admin."""

from importlib import import_module

from django.db import migrations, models

CATEGORY_TREE = import_module("marketplace.migrations.0002_seed_categories").CATEGORY_TREE


def fill_chinese_names(apps, schema_editor):
    ProductCategory = apps.get_model("marketplace", "ProductCategory")
    seeded = {slug: name_zh for slug, _, name_zh, _ in CATEGORY_TREE}
    seeded |= {slug: name_zh for *_, leaves in CATEGORY_TREE for slug, _, name_zh in leaves}
    for category in ProductCategory.objects.filter(name_zh=""):
        category.name_zh = seeded.get(category.slug) or category.name
        category.save(update_fields=["name_zh"])


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_notification")]
    operations = [
        migrations.RunPython(fill_chinese_names, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="productcategory",
            name="name_zh",
            field=models.CharField(max_length=100, verbose_name="Chinese name"),
        ),
    ]
