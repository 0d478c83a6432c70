from django.apps import AppConfig


class FactoriesConfig(AppConfig):
    name = "factories"
    verbose_name = "Factories and capacity"
