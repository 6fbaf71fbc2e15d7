from recommender.ranking import RankingConfig
from recommender.record import Innovation
from scripts.measure_kits import KIT, VARIANTS, kit_holders, without_kit


def test_each_variant_adds_the_kit_to_a_configuration_without_it() -> None:
    base = without_kit(RankingConfig())
    assert not set(base.lexical_fields) & set(KIT)
    passage = VARIANTS["kit as one dense passage"](base)
    assert passage.passages[-1] == KIT and passage.lexical_fields == base.lexical_fields
    field = VARIANTS["kit as lexical fields, weight 0.5"](base)
    assert {f: field.lexical_fields[f] for f in KIT} == dict.fromkeys(KIT, 0.5)


def test_the_shipped_configuration_is_the_measured_shipped_variant() -> None:
    shipped = VARIANTS["kit as lexical fields, weight 0.25 (shipped)"](without_kit(RankingConfig()))
    assert shipped == RankingConfig()


def test_kit_holders_counts_innovations_with_any_kit_field() -> None:
    items = [
        Innovation(id="a", name="a", level="kota", sector="kesehatan", steps="Rapat"),
        Innovation(id="b", name="b", level="kota", sector="kesehatan"),
    ]
    assert kit_holders(items) == 1
