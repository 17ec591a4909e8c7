"""Nationality codes: ISO 3166-1 alpha-3 and ICAO's codes for the stateless and refugees.

A card's nationality (Claim 169 key 13, MRZ line 2 positions 16-18) is one of:

- an **officially assigned ISO 3166-1 alpha-3 code**, :data:`ISO_3166_ALPHA3`: the
  249 codes of the ISO 3166 Maintenance Agency's list, as shipped in Debian's
  ``iso-codes`` 4.15.0 (``iso_3166-1.json``), with their English short names;
- one of **ICAO's codes** for people without a nationality to write (Doc 9303
  Part 3), :data:`ICAO_NATIONALITY`: ``XXA`` stateless person, ``XXB`` refugee
  (1951 Convention), ``XXC`` other refugee, ``XXX`` unspecified nationality.

ISO keeps ``AAA``-``AAZ``, ``QMA``-``QZZ``, ``XAA``-``XZZ`` and ``ZZA``-``ZZZ`` for
users to assign: such a code (``ZZZ``, ``XYZ``) names no state, and is refused
like any other unassigned code.

    >>> check_nationality(" mli "), check_nationality("XXB")
    ('MLI', 'XXB')
    >>> nationality_problem("ZZZ")
    "'ZZZ' is a user-assigned code (ISO 3166-1 keeps ZZA-ZZZ for users), not a state"
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aes_id.errors import InputError

ICAO_NATIONALITY: Mapping[str, str] = MappingProxyType(
    {
        "XXA": "stateless person (1954 Convention)",
        "XXB": "refugee (1951 Convention)",
        "XXC": "refugee (other than the 1951 Convention)",
        "XXX": "person of unspecified nationality",
    }
)
"""ICAO Doc 9303 Part 3: the codes for a holder with no nationality to write."""

_USER_ASSIGNED = (("AAA", "AAZ"), ("QMA", "QZZ"), ("XAA", "XZZ"), ("ZZA", "ZZZ"))

ACCEPTED = "an ISO 3166 alpha-3 country code (e.g. MLI, BFA, NER), or XXA, XXB, XXC, XXX"
"""What a nationality may be, for messages."""

HINT = "XXA: stateless; XXB: refugee (1951 Convention); XXC: other refugee; XXX: unspecified"


def is_nationality(code: str) -> bool:
    """Is ``code`` (exactly, upper case) an assigned alpha-3 code or an ICAO code?"""
    return code in ISO_3166_ALPHA3 or code in ICAO_NATIONALITY


def nationality_problem(code: str) -> str | None:
    """Why ``code`` is no nationality, in a few words; None when it is one."""
    if is_nationality(code):
        return None
    if len(code) != 3 or not all("A" <= char <= "Z" for char in code):
        return f"{code!r} is not an ISO 3166 alpha-3 code (three letters A-Z)"
    for low, high in _USER_ASSIGNED:
        if low <= code <= high:
            return (
                f"{code!r} is a user-assigned code (ISO 3166-1 keeps {low}-{high} for users), "
                "not a state"
            )
    return f"{code!r} is not an assigned ISO 3166-1 alpha-3 code"


def check_nationality(text: str) -> str:
    """The nationality code in ``text`` (any case, spaces around), or :class:`InputError`."""
    code = text.strip().upper()
    problem = nationality_problem(code)
    if problem:
        raise InputError(f"nationality {problem}: expected {ACCEPTED}", hint=HINT)
    return code


ISO_3166_ALPHA3: Mapping[str, str] = MappingProxyType(
    {
        "ABW": "Aruba",
        "AFG": "Afghanistan",
        "AGO": "Angola",
        "AIA": "Anguilla",
        "ALA": "Åland Islands",
        "ALB": "Albania",
        "AND": "Andorra",
        "ARE": "United Arab Emirates",
        "ARG": "Argentina",
        "ARM": "Armenia",
        "ASM": "American Samoa",
        "ATA": "Antarctica",
        "ATF": "French Southern Territories",
        "ATG": "Antigua and Barbuda",
        "AUS": "Australia",
        "AUT": "Austria",
        "AZE": "Azerbaijan",
        "BDI": "Burundi",
        "BEL": "Belgium",
        "BEN": "Benin",
        "BES": "Bonaire, Sint Eustatius and Saba",
        "BFA": "Burkina Faso",
        "BGD": "Bangladesh",
        "BGR": "Bulgaria",
        "BHR": "Bahrain",
        "BHS": "Bahamas",
        "BIH": "Bosnia and Herzegovina",
        "BLM": "Saint Barthélemy",
        "BLR": "Belarus",
        "BLZ": "Belize",
        "BMU": "Bermuda",
        "BOL": "Bolivia, Plurinational State of",
        "BRA": "Brazil",
        "BRB": "Barbados",
        "BRN": "Brunei Darussalam",
        "BTN": "Bhutan",
        "BVT": "Bouvet Island",
        "BWA": "Botswana",
        "CAF": "Central African Republic",
        "CAN": "Canada",
        "CCK": "Cocos (Keeling) Islands",
        "CHE": "Switzerland",
        "CHL": "Chile",
        "CHN": "China",
        "CIV": "Côte d'Ivoire",
        "CMR": "Cameroon",
        "COD": "Congo, The Democratic Republic of the",
        "COG": "Congo",
        "COK": "Cook Islands",
        "COL": "Colombia",
        "COM": "Comoros",
        "CPV": "Cabo Verde",
        "CRI": "Costa Rica",
        "CUB": "Cuba",
        "CUW": "Curaçao",
        "CXR": "Christmas Island",
        "CYM": "Cayman Islands",
        "CYP": "Cyprus",
        "CZE": "Czechia",
        "DEU": "Germany",
        "DJI": "Djibouti",
        "DMA": "Dominica",
        "DNK": "Denmark",
        "DOM": "Dominican Republic",
        "DZA": "Algeria",
        "ECU": "Ecuador",
        "EGY": "Egypt",
        "ERI": "Eritrea",
        "ESH": "Western Sahara",
        "ESP": "Spain",
        "EST": "Estonia",
        "ETH": "Ethiopia",
        "FIN": "Finland",
        "FJI": "Fiji",
        "FLK": "Falkland Islands (Malvinas)",
        "FRA": "France",
        "FRO": "Faroe Islands",
        "FSM": "Micronesia, Federated States of",
        "GAB": "Gabon",
        "GBR": "United Kingdom",
        "GEO": "Georgia",
        "GGY": "Guernsey",
        "GHA": "Ghana",
        "GIB": "Gibraltar",
        "GIN": "Guinea",
        "GLP": "Guadeloupe",
        "GMB": "Gambia",
        "GNB": "Guinea-Bissau",
        "GNQ": "Equatorial Guinea",
        "GRC": "Greece",
        "GRD": "Grenada",
        "GRL": "Greenland",
        "GTM": "Guatemala",
        "GUF": "French Guiana",
        "GUM": "Guam",
        "GUY": "Guyana",
        "HKG": "Hong Kong",
        "HMD": "Heard Island and McDonald Islands",
        "HND": "Honduras",
        "HRV": "Croatia",
        "HTI": "Haiti",
        "HUN": "Hungary",
        "IDN": "Indonesia",
        "IMN": "Isle of Man",
        "IND": "India",
        "IOT": "British Indian Ocean Territory",
        "IRL": "Ireland",
        "IRN": "Iran, Islamic Republic of",
        "IRQ": "Iraq",
        "ISL": "Iceland",
        "ISR": "Israel",
        "ITA": "Italy",
        "JAM": "Jamaica",
        "JEY": "Jersey",
        "JOR": "Jordan",
        "JPN": "Japan",
        "KAZ": "Kazakhstan",
        "KEN": "Kenya",
        "KGZ": "Kyrgyzstan",
        "KHM": "Cambodia",
        "KIR": "Kiribati",
        "KNA": "Saint Kitts and Nevis",
        "KOR": "Korea, Republic of",
        "KWT": "Kuwait",
        "LAO": "Lao People's Democratic Republic",
        "LBN": "Lebanon",
        "LBR": "Liberia",
        "LBY": "Libya",
        "LCA": "Saint Lucia",
        "LIE": "Liechtenstein",
        "LKA": "Sri Lanka",
        "LSO": "Lesotho",
        "LTU": "Lithuania",
        "LUX": "Luxembourg",
        "LVA": "Latvia",
        "MAC": "Macao",
        "MAF": "Saint Martin (French part)",
        "MAR": "Morocco",
        "MCO": "Monaco",
        "MDA": "Moldova, Republic of",
        "MDG": "Madagascar",
        "MDV": "Maldives",
        "MEX": "Mexico",
        "MHL": "Marshall Islands",
        "MKD": "North Macedonia",
        "MLI": "Mali",
        "MLT": "Malta",
        "MMR": "Myanmar",
        "MNE": "Montenegro",
        "MNG": "Mongolia",
        "MNP": "Northern Mariana Islands",
        "MOZ": "Mozambique",
        "MRT": "Mauritania",
        "MSR": "Montserrat",
        "MTQ": "Martinique",
        "MUS": "Mauritius",
        "MWI": "Malawi",
        "MYS": "Malaysia",
        "MYT": "Mayotte",
        "NAM": "Namibia",
        "NCL": "New Caledonia",
        "NER": "Niger",
        "NFK": "Norfolk Island",
        "NGA": "Nigeria",
        "NIC": "Nicaragua",
        "NIU": "Niue",
        "NLD": "Netherlands",
        "NOR": "Norway",
        "NPL": "Nepal",
        "NRU": "Nauru",
        "NZL": "New Zealand",
        "OMN": "Oman",
        "PAK": "Pakistan",
        "PAN": "Panama",
        "PCN": "Pitcairn",
        "PER": "Peru",
        "PHL": "Philippines",
        "PLW": "Palau",
        "PNG": "Papua New Guinea",
        "POL": "Poland",
        "PRI": "Puerto Rico",
        "PRK": "Korea, Democratic People's Republic of",
        "PRT": "Portugal",
        "PRY": "Paraguay",
        "PSE": "Palestine, State of",
        "PYF": "French Polynesia",
        "QAT": "Qatar",
        "REU": "Réunion",
        "ROU": "Romania",
        "RUS": "Russian Federation",
        "RWA": "Rwanda",
        "SAU": "Saudi Arabia",
        "SDN": "Sudan",
        "SEN": "Senegal",
        "SGP": "Singapore",
        "SGS": "South Georgia and the South Sandwich Islands",
        "SHN": "Saint Helena, Ascension and Tristan da Cunha",
        "SJM": "Svalbard and Jan Mayen",
        "SLB": "Solomon Islands",
        "SLE": "Sierra Leone",
        "SLV": "El Salvador",
        "SMR": "San Marino",
        "SOM": "Somalia",
        "SPM": "Saint Pierre and Miquelon",
        "SRB": "Serbia",
        "SSD": "South Sudan",
        "STP": "Sao Tome and Principe",
        "SUR": "Suriname",
        "SVK": "Slovakia",
        "SVN": "Slovenia",
        "SWE": "Sweden",
        "SWZ": "Eswatini",
        "SXM": "Sint Maarten (Dutch part)",
        "SYC": "Seychelles",
        "SYR": "Syrian Arab Republic",
        "TCA": "Turks and Caicos Islands",
        "TCD": "Chad",
        "TGO": "Togo",
        "THA": "Thailand",
        "TJK": "Tajikistan",
        "TKL": "Tokelau",
        "TKM": "Turkmenistan",
        "TLS": "Timor-Leste",
        "TON": "Tonga",
        "TTO": "Trinidad and Tobago",
        "TUN": "Tunisia",
        "TUR": "Türkiye",
        "TUV": "Tuvalu",
        "TWN": "Taiwan, Province of China",
        "TZA": "Tanzania, United Republic of",
        "UGA": "Uganda",
        "UKR": "Ukraine",
        "UMI": "United States Minor Outlying Islands",
        "URY": "Uruguay",
        "USA": "United States",
        "UZB": "Uzbekistan",
        "VAT": "Holy See (Vatican City State)",
        "VCT": "Saint Vincent and the Grenadines",
        "VEN": "Venezuela, Bolivarian Republic of",
        "VGB": "Virgin Islands, British",
        "VIR": "Virgin Islands, U.S.",
        "VNM": "Viet Nam",
        "VUT": "Vanuatu",
        "WLF": "Wallis and Futuna",
        "WSM": "Samoa",
        "YEM": "Yemen",
        "ZAF": "South Africa",
        "ZMB": "Zambia",
        "ZWE": "Zimbabwe",
    }
)
"""The 249 officially assigned ISO 3166-1 alpha-3 codes, with their English short names."""
