"""Where people live: Estonian counties, municipalities, settlements and street names.

A short list written for this project (not a copy of any address data set): each
municipality with its county, its weight (thousands of residents, rounded), whether it is a
town (apartments) or a rural municipality (houses), the share of Russian-speaking households,
a five-digit cadastral unit code and a postal-code base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Municipality:
    name: str
    county: str
    thousands: float
    urban: bool
    russian_share: float
    cadastral_unit: int
    postal_base: int
    settlements: tuple[str, ...]


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("Tallinn", "Harju maakond", 450, True, 0.40, 78401, 10111, ("Tallinn",)),
    Municipality("Tartu linn", "Tartu maakond", 97, True, 0.15, 79501, 50050, ("Tartu",)),
    Municipality("Narva linn", "Ida-Viru maakond", 53, True, 0.95, 51101, 20101, ("Narva",)),
    Municipality("Pärnu linn", "Pärnu maakond", 52, True, 0.08, 62901, 80010, ("Pärnu", "Paikuse alev", "Audru alevik")),
    Municipality("Kohtla-Järve linn", "Ida-Viru maakond", 33, True, 0.80, 32101, 30301, ("Kohtla-Järve",)),
    Municipality("Viljandi linn", "Viljandi maakond", 17, True, 0.05, 89701, 71003, ("Viljandi",)),
    Municipality("Rakvere linn", "Lääne-Viru maakond", 15, True, 0.08, 66301, 44306, ("Rakvere",)),
    Municipality("Maardu linn", "Harju maakond", 16, True, 0.75, 44601, 74111, ("Maardu",)),
    Municipality("Sillamäe linn", "Ida-Viru maakond", 12, True, 0.88, 73501, 40231, ("Sillamäe",)),
    Municipality("Võru linn", "Võru maakond", 12, True, 0.05, 91901, 65608, ("Võru",)),
    Municipality("Haapsalu linn", "Lääne maakond", 13, True, 0.10, 18301, 90502, ("Haapsalu", "Uuemõisa alevik")),
    Municipality("Keila linn", "Harju maakond", 10, True, 0.15, 29601, 76607, ("Keila",)),
    Municipality("Paide linn", "Järva maakond", 10, True, 0.05, 56701, 72711, ("Paide", "Mäo küla")),
    Municipality("Saaremaa vald", "Saare maakond", 31, False, 0.02, 71401, 93811, ("Kuressaare", "Orissaare alevik", "Kärla küla", "Valjala küla")),
    Municipality("Viimsi vald", "Harju maakond", 22, False, 0.12, 89001, 74001, ("Haabneeme alevik", "Viimsi alevik", "Pringi küla", "Randvere küla")),
    Municipality("Rae vald", "Harju maakond", 25, False, 0.15, 65301, 75301, ("Jüri alevik", "Peetri alevik", "Assaku alevik", "Lagedi alevik")),
    Municipality("Saue vald", "Harju maakond", 24, False, 0.10, 72601, 76501, ("Saue", "Laagri alevik", "Ääsmäe küla", "Riisipere alevik")),
    Municipality("Harku vald", "Harju maakond", 15, False, 0.10, 19101, 76901, ("Tabasalu alevik", "Harku alevik", "Vääna küla")),
    Municipality("Jõelähtme vald", "Harju maakond", 7, False, 0.10, 24501, 74201, ("Loo alevik", "Kostivere alevik", "Jõelähtme küla")),
    Municipality("Kiili vald", "Harju maakond", 6, False, 0.08, 30401, 75401, ("Kiili alev", "Luige alevik")),
    Municipality("Anija vald", "Harju maakond", 6, False, 0.08, 14101, 74301, ("Kehra", "Aegviidu alev", "Alavere küla")),
    Municipality("Lääne-Harju vald", "Harju maakond", 13, False, 0.25, 43101, 76701, ("Paldiski", "Padise küla", "Vasalemma alevik")),
    Municipality("Tartu vald", "Tartu maakond", 11, False, 0.05, 79601, 60501, ("Kõrveküla alevik", "Äksi alevik", "Lähte alevik")),
    Municipality("Kambja vald", "Tartu maakond", 11, False, 0.05, 30001, 61401, ("Kambja alevik", "Ülenurme alevik", "Tõrvandi alevik")),
    Municipality("Elva vald", "Tartu maakond", 14, False, 0.05, 17001, 61501, ("Elva", "Rõngu alevik", "Puhja alevik")),
    Municipality("Jõhvi vald", "Ida-Viru maakond", 12, False, 0.55, 24901, 41531, ("Jõhvi", "Tammiku alevik")),
    Municipality("Narva-Jõesuu linn", "Ida-Viru maakond", 5, True, 0.85, 51001, 29021, ("Narva-Jõesuu", "Sinimäe alevik")),
    Municipality("Rapla vald", "Rapla maakond", 13, False, 0.03, 66801, 79511, ("Rapla", "Alu alevik", "Kuusiku küla")),
    Municipality("Jõgeva vald", "Jõgeva maakond", 13, False, 0.04, 24201, 48306, ("Jõgeva", "Palamuse alevik", "Torma alevik")),
    Municipality("Põlva vald", "Põlva maakond", 14, False, 0.03, 61501, 63308, ("Põlva", "Kanepi alevik", "Vastse-Kuuste alevik")),
    Municipality("Türi vald", "Järva maakond", 10, False, 0.03, 83501, 72211, ("Türi", "Oisu alevik", "Väätsa alevik")),
    Municipality("Hiiumaa vald", "Hiiu maakond", 9, False, 0.01, 18001, 92411, ("Kärdla", "Käina alevik", "Emmaste küla")),
    Municipality("Tori vald", "Pärnu maakond", 11, False, 0.04, 80201, 86801, ("Sindi", "Tori alevik", "Sauga alevik")),
    Municipality("Viljandi vald", "Viljandi maakond", 13, False, 0.03, 89901, 71401, ("Ramsi alevik", "Kolga-Jaani alevik", "Vana-Võidu küla")),
    Municipality("Võru vald", "Võru maakond", 10, False, 0.03, 91701, 65501, ("Parksepa alevik", "Väimela alevik", "Vastseliina alevik")),
    Municipality("Valga vald", "Valga maakond", 15, False, 0.25, 85501, 68204, ("Valga", "Tõrva", "Otepää")),
    Municipality("Lääne-Nigula vald", "Lääne maakond", 7, False, 0.03, 43801, 90801, ("Taebla alevik", "Palivere alevik", "Risti alevik")),
    Municipality("Haljala vald", "Lääne-Viru maakond", 4, False, 0.04, 19201, 45301, ("Haljala alevik", "Aaspere küla")),
)

# Street names common across Estonian towns and villages (tee: road, mnt: highway, pst: avenue).
STREETS: tuple[str, ...] = (
    "Pikk", "Lai", "Aia", "Kooli", "Tartu mnt", "Pärnu mnt", "Narva mnt", "Jaama", "Kalda", "Vabriku",
    "Mere pst", "Metsa", "Kase", "Pargi", "Põllu", "Uus", "Vana", "Karja", "Lossi", "Kiriku", "Turu",
    "Rüütli", "Posti", "Linnu", "Tamme", "Pae", "Kreutzwaldi", "Koidula", "Lille", "Ranna", "Ringi",
    "Sõpruse pst", "Mustamäe tee", "Akadeemia tee", "Sõle", "Tööstuse", "Männi", "Kuuse", "Liiva",
    "Raudtee", "Nõmme tee", "Endla", "Tulika", "Veski", "Kastani", "Pärna", "Vahtra", "Saare", "Järve",
    "Ehitajate tee", "Laagna tee", "Punane", "Kivila", "Pallasti", "Majaka", "Kalevi", "Riia", "Vaksali",
    "Lõuna", "Põhja pst", "Ida", "Lääne", "Kesk", "Väike", "Suur", "Allika", "Oja", "Nurme", "Välja",
    "Talu", "Küla", "Mõisa", "Sepa", "Kaevu", "Tiigi", "Heina", "Kirsi", "Õuna", "Ploomi", "Sireli",
)

# Rural settlements (küla, alevik) have few streets; towns many.
URBAN_STREETS = 60
RURAL_STREETS = 12
URBAN_HOUSES = 60


def municipality_weights() -> np.ndarray:
    weights = np.array([m.thousands for m in MUNICIPALITIES], dtype=float)
    return weights / weights.sum()


def names_of(values: tuple[str, ...]) -> np.ndarray:
    return np.array(values, dtype=object)
