"""Money shows grouped by thousands in Chinese too (config/formats/zh_Hans), inputs stay plain."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation


def test_money_is_grouped_by_thousands_in_chinese_and_english():
    t = Template('{{ v|floatformat:"2g" }}|{{ v|floatformat:2 }}')
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            assert t.render(Context({"v": Decimal("2253614.4")})) == "2,253,614.40|2253614.40", lang
