"""Russian regions and large cities in an address -> their IANA time zone.

Matched by word stems (Russian and English), so "г. Новосибирск, ул. Ленина" and
"Novosibirsk" both give Asia/Novosibirsk. An address naming places in different zones
gives all of them (the contact is then called only when every one is inside the window);
an address naming none gives nothing (the phone number decides).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Cities as whole words (nominative, as addresses write them); regions by their adjective
# followed by "обл"/"край"/"кра" or as "республика <name>". Street names ("ул. Омская",
# "ул. Кирова") must not count: the city is named elsewhere in the address.
_CITIES: dict[str, str] = {
    "Europe/Kaliningrad": "калининград|kaliningrad",
    "Europe/Moscow": (
        "москва|moscow|санкт-петербург|петербург|spb|saint petersburg|st\\.? petersburg|"
        "казань|kazan|нижний новгород|nizhny novgorod|великий новгород|воронеж|voronezh|"
        "ростов-на-дону|rostov-on-don|краснодар|krasnodar|сочи|sochi|ярославль|yaroslavl|"
        "тула|tula|рязань|ryazan|тверь|tver|смоленск|smolensk|брянск|bryansk|курск|kursk|"
        "белгород|belgorod|липецк|lipetsk|тамбов|tambov|пенза|penza|мурманск|murmansk|"
        "архангельск|arkhangelsk|вологда|vologda|псков|pskov|киров|kirov|чебоксары|"
        "cheboksary|йошкар-ола|саранск|saransk|ставрополь|stavropol|махачкала|makhachkala|"
        "грозный|grozny|нальчик|владикавказ|майкоп|элиста|симферополь|simferopol|"
        "севастополь|sevastopol|калуга|kaluga|владимир|vladimir|иваново|ivanovo|кострома|"
        "kostroma|орел|oryol|сыктывкар|syktyvkar|петрозаводск|petrozavodsk|нарьян-мар"
    ),
    "Europe/Samara": "самара|samara|тольятти|tolyatti|ижевск|izhevsk",
    "Europe/Ulyanovsk": "ульяновск|ulyanovsk",
    "Europe/Saratov": "саратов|saratov",
    "Europe/Astrakhan": "астрахань|astrakhan",
    "Europe/Volgograd": "волгоград|volgograd",
    "Asia/Yekaterinburg": (
        "екатеринбург|yekaterinburg|ekaterinburg|челябинск|chelyabinsk|тюмень|tyumen|"
        "пермь|perm|уфа|ufa|оренбург|orenburg|курган|kurgan|ханты-мансийск|сургут|surgut|"
        "салехард|магнитогорск|нижневартовск"
    ),
    "Asia/Omsk": "омск|omsk",
    "Asia/Novosibirsk": "новосибирск|novosibirsk",
    "Asia/Barnaul": "барнаул|barnaul|горно-алтайск",
    "Asia/Tomsk": "томск|tomsk",
    "Asia/Novokuznetsk": "кемерово|kemerovo|новокузнецк|novokuznetsk",
    "Asia/Krasnoyarsk": "красноярск|krasnoyarsk|абакан|кызыл|норильск|norilsk",
    "Asia/Irkutsk": "иркутск|irkutsk|улан-удэ|ulan-ude|братск",
    "Asia/Chita": "чита|chita",
    "Asia/Yakutsk": "якутск|yakutsk",
    "Asia/Vladivostok": "владивосток|vladivostok|хабаровск|khabarovsk|биробиджан|находка",
    "Asia/Magadan": "магадан|magadan",
    "Asia/Sakhalin": "южно-сахалинск|yuzhno-sakhalinsk",
    "Asia/Kamchatka": "петропавловск-камчатский|petropavlovsk-kamchatsky",
    "Asia/Anadyr": "анадырь|anadyr",
}
_REGIONS: dict[str, str] = {
    "Europe/Kaliningrad": "калининградск",
    "Europe/Moscow": (
        "московск|ленинградск|нижегородск|новгородск|воронежск|ростовск|краснодарск|"
        "ярославск|тульск|рязанск|тверск|смоленск|брянск|курск|белгородск|липецк|тамбовск|"
        "пензенск|мурманск|архангельск|вологодск|псковск|кировск|ставропольск|калужск|"
        "владимирск|ивановск|костромск|орловск"
    ),
    "Europe/Samara": "самарск",
    "Europe/Ulyanovsk": "ульяновск",
    "Europe/Saratov": "саратовск",
    "Europe/Astrakhan": "астраханск",
    "Europe/Volgograd": "волгоградск",
    "Asia/Yekaterinburg": "свердловск|челябинск|тюменск|пермск|оренбургск|курганск",
    "Asia/Omsk": "омск",
    "Asia/Novosibirsk": "новосибирск",
    "Asia/Barnaul": "алтайск",
    "Asia/Tomsk": "томск",
    "Asia/Novokuznetsk": "кемеровск",
    "Asia/Krasnoyarsk": "красноярск",
    "Asia/Irkutsk": "иркутск",
    "Asia/Chita": "забайкальск",
    "Asia/Vladivostok": "приморск|хабаровск",
    "Asia/Magadan": "магаданск",
    "Asia/Sakhalin": "сахалинск",
    "Asia/Kamchatka": "камчатск",
    "Asia/Anadyr": "чукотск",
}
_REPUBLICS: dict[str, str] = {
    "Europe/Moscow": (
        "татарстан|tatarstan|чуваш\\w*|марий эл|мордови\\w*|дагестан|чечн\\w*|"
        "чеченская республика|ингушети\\w*|кабардино-балкари\\w*|северная осетия|"
        "адыге\\w*|карачаево-черкеси\\w*|калмыки\\w*|крым|crimea|коми|карели\\w*|"
        "ненецкий автономный округ"
    ),
    "Europe/Samara": "удмурти\\w*|удмуртская республика",
    "Asia/Yekaterinburg": "башкортостан|bashkortostan|ханты-мансийский|ямало-ненецкий",
    "Asia/Barnaul": "республика алтай",
    "Asia/Krasnoyarsk": "хакаси\\w*|тыва|тува",
    "Asia/Irkutsk": "буряти\\w*",
    "Asia/Yakutsk": "якути\\w*|республика саха",
    "Asia/Sakhalin": "сахалин",
    "Asia/Kamchatka": "камчатка",
    "Asia/Anadyr": "чукотка|chukotka",
    "Asia/Vladivostok": "еврейская автономная область",
}
_REGION_WORD = r"\w*\s+(?:обл|край|кра)\w*"


def _pattern(zone: str) -> re.Pattern[str]:
    parts = []
    if zone in _CITIES:
        parts.append(f"(?:{_CITIES[zone]})")
    if zone in _REGIONS:
        parts.append(f"(?:{_REGIONS[zone]}){_REGION_WORD}")
    if zone in _REPUBLICS:
        parts.append(f"(?:{_REPUBLICS[zone]})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


_PATTERNS = [(zone, _pattern(zone)) for zone in sorted({*_CITIES, *_REGIONS, *_REPUBLICS})]


@lru_cache(maxsize=4096)
def zones_in_address(address: str) -> tuple[str, ...]:
    """The zones of the places an address names, sorted; empty when it names none."""
    text = address.replace("ё", "е").replace("Ё", "Е") if address else ""
    if not text.strip():
        return ()
    return tuple(sorted(zone for zone, pattern in _PATTERNS if pattern.search(text)))
