"""Names: Estonian and Russian first names by sex, surnames with their male and female forms.

Lists written for this project. Earlier names in a list are drawn more often (a Zipf-like
weight), so a few names are common and many are rare, as in a real register. Estonian
surnames have one form; Russian ones a male and a female form (Ivanov, Ivanova).
"""

from __future__ import annotations

import numpy as np

ESTONIAN, RUSSIAN = 0, 1

MALE_FIRST: dict[int, tuple[str, ...]] = {
    ESTONIAN: (
        "Andres", "Jüri", "Mart", "Rein", "Toomas", "Tiit", "Peeter", "Jaan", "Margus", "Aivar", "Urmas",
        "Indrek", "Tarmo", "Priit", "Raivo", "Kalle", "Marko", "Meelis", "Siim", "Rasmus", "Martin",
        "Kristjan", "Oliver", "Robin", "Sander", "Karl", "Markus", "Mattias", "Hugo", "Oskar", "Romet",
        "Henri", "Kaspar", "Joosep", "Lauri", "Mihkel", "Ott", "Taavi", "Tõnu", "Ülo", "Enn", "Heino",
        "Väino", "Arvo", "Ants", "Hannes", "Janek", "Kaido", "Madis", "Sten", "Erik", "Johannes", "Eerik",
        "Elias", "Aleksander", "Ruudi", "Kevin", "Artur", "Villem", "Paul",
    ),
    RUSSIAN: (
        "Aleksandr", "Sergei", "Andrei", "Dmitri", "Vladimir", "Aleksei", "Nikolai", "Igor", "Jevgeni",
        "Maksim", "Ivan", "Mihhail", "Viktor", "Pavel", "Juri", "Oleg", "Roman", "Denis", "Artjom",
        "Ilja", "Kirill", "Daniil", "Nikita", "Vadim", "Konstantin", "Anatoli", "Gennadi", "Boriss",
        "Stanislav", "Timur", "Matvei", "Jegor", "Lev", "Mark", "German",
    ),
}

FEMALE_FIRST: dict[int, tuple[str, ...]] = {
    ESTONIAN: (
        "Maria", "Anna", "Kristiina", "Tiina", "Kadri", "Katrin", "Mari", "Piret", "Eve", "Anne", "Merike",
        "Triin", "Liis", "Kertu", "Laura", "Sofia", "Emma", "Mia", "Eliise", "Lisete", "Hanna", "Grete",
        "Kätlin", "Helen", "Marika", "Ülle", "Malle", "Aino", "Helju", "Leida", "Virve", "Sirje", "Tiiu",
        "Aili", "Ene", "Reet", "Maie", "Kaja", "Riina", "Pille", "Kaisa", "Kelli", "Signe", "Kairi",
        "Marju", "Maarja", "Johanna", "Elisabeth", "Lenna", "Mirtel", "Saskia", "Lotte", "Adele", "Marta",
        "Õie", "Ingrid", "Heli", "Sille", "Terje", "Evelin",
    ),
    RUSSIAN: (
        "Jelena", "Olga", "Tatjana", "Natalja", "Svetlana", "Irina", "Galina", "Ljudmila", "Anastassia",
        "Julia", "Jekaterina", "Marina", "Valentina", "Nadežda", "Ljubov", "Oksana", "Viktoria", "Darja",
        "Aleksandra", "Polina", "Alina", "Veronika", "Kristina", "Ksenia", "Sofia", "Arina", "Valeria",
        "Anna", "Maria", "Milana", "Vera", "Nina", "Larissa", "Tamara", "Zoja",
    ),
}

# (male form, female form)
SURNAMES: dict[int, tuple[tuple[str, str], ...]] = {
    ESTONIAN: tuple((s, s) for s in (
        "Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel", "Lepik",
        "Oja", "Kuusk", "Kaasik", "Karu", "Lõhmus", "Vaher", "Mets", "Raudsepp", "Põder", "Luik", "Kivi",
        "Kallas", "Teder", "Laur", "Jõgi", "Lepp", "Kõiv", "Kuusik", "Järv", "Mänd", "Saks", "Toom",
        "Hunt", "Org", "Paju", "Allik", "Rand", "Sild", "Nurk", "Uibo", "Vares", "Kruus", "Mölder",
        "Aus", "Leppik", "Pihlak", "Tooming", "Kivisild", "Männik", "Sarapuu", "Raud", "Ots", "Väli",
        "Aavik", "Liiv", "Lill", "Lind", "Mitt", "Nõmm", "Õun", "Pukk", "Roos", "Soosaar", "Tõnisson",
        "Vahtra", "Vill", "Kalda", "Kütt", "Laane", "Lõoke", "Metsik", "Pärtel", "Peterson", "Kangur",
        "Vainola", "Reinsalu", "Jürgens", "Tõnts", "Meri", "Hallik", "Kuslap", "Raag", "Vaik", "Sulg",
    )),
    RUSSIAN: (
        ("Ivanov", "Ivanova"), ("Smirnov", "Smirnova"), ("Kuznetsov", "Kuznetsova"), ("Popov", "Popova"),
        ("Vassiljev", "Vassiljeva"), ("Petrov", "Petrova"), ("Sokolov", "Sokolova"), ("Mihhailov", "Mihhailova"),
        ("Novikov", "Novikova"), ("Fjodorov", "Fjodorova"), ("Morozov", "Morozova"), ("Volkov", "Volkova"),
        ("Aleksejev", "Aleksejeva"), ("Lebedev", "Lebedeva"), ("Semjonov", "Semjonova"), ("Jegorov", "Jegorova"),
        ("Pavlov", "Pavlova"), ("Kozlov", "Kozlova"), ("Stepanov", "Stepanova"), ("Nikolajev", "Nikolajeva"),
        ("Orlov", "Orlova"), ("Andrejev", "Andrejeva"), ("Makarov", "Makarova"), ("Nikitin", "Nikitina"),
        ("Zahharov", "Zahharova"), ("Zaitsev", "Zaitseva"), ("Solovjov", "Solovjova"), ("Borissov", "Borissova"),
        ("Jakovlev", "Jakovleva"), ("Grigorjev", "Grigorjeva"), ("Romanov", "Romanova"), ("Vorobjov", "Vorobjova"),
        ("Sergejev", "Sergejeva"), ("Kuzmin", "Kuzmina"), ("Frolov", "Frolova"), ("Aleksandrov", "Aleksandrova"),
        ("Dmitrijev", "Dmitrijeva"), ("Koroljov", "Koroljova"), ("Gussev", "Gusseva"), ("Kisseljov", "Kisseljova"),
    ),
}

_ASCII = str.maketrans({"õ": "o", "ä": "a", "ö": "o", "ü": "u", "š": "s", "ž": "z", "Õ": "O", "Ä": "A",
                        "Ö": "O", "Ü": "U", "Š": "S", "Ž": "Z"})


def ascii_form(name: str) -> str:
    """A name as it may appear in an e-mail address (õ -> o, š -> s...)."""
    return name.translate(_ASCII).lower().replace(" ", "").replace("-", "")


def zipf_weights(count: int, exponent: float = 0.8) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


class NameBook:
    """Every name as one flat vocabulary, so people hold integer name codes."""

    def __init__(self) -> None:
        first: list[str] = []
        self.first_ranges: dict[tuple[int, int], tuple[int, int]] = {}
        for sex, table in ((0, MALE_FIRST), (1, FEMALE_FIRST)):
            for ethnicity, names in table.items():
                self.first_ranges[(ethnicity, sex)] = (len(first), len(first) + len(names))
                first.extend(names)
        self.first = np.array(first, dtype=object)
        forms: list[tuple[str, str]] = []
        self.surname_ranges: dict[int, tuple[int, int]] = {}
        for ethnicity, names in SURNAMES.items():
            self.surname_ranges[ethnicity] = (len(forms), len(forms) + len(names))
            forms.extend(names)
        # surname_forms[code, sex]: sex 0 male form, 1 female form
        self.surname_forms = np.array(forms, dtype=object)
        self.surname_ethnicity = np.concatenate(
            [np.full(hi - lo, e) for e, (lo, hi) in self.surname_ranges.items()])

    def draw_first(self, rng: np.random.Generator, ethnicity: np.ndarray, sex: np.ndarray) -> np.ndarray:
        codes = np.empty(len(sex), dtype=np.int32)
        for (group_ethnicity, group_sex), (lo, hi) in self.first_ranges.items():
            members = np.flatnonzero((ethnicity == group_ethnicity) & (sex == group_sex))
            codes[members] = lo + rng.choice(hi - lo, size=len(members), p=zipf_weights(hi - lo))
        return codes

    def draw_surname(self, rng: np.random.Generator, ethnicity: np.ndarray) -> np.ndarray:
        codes = np.empty(len(ethnicity), dtype=np.int32)
        for group, (lo, hi) in self.surname_ranges.items():
            members = np.flatnonzero(ethnicity == group)
            codes[members] = lo + rng.choice(hi - lo, size=len(members), p=zipf_weights(hi - lo, 0.6))
        return codes

    def last_names(self, surname: np.ndarray, sex: np.ndarray) -> np.ndarray:
        return self.surname_forms[surname, sex]
