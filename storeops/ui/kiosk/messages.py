"""What the entrance display says, per language.

Shipped: English, Spanish, French, German. A store can override any message
(or add a language) with a JSON file of the same shape:
    {"en": {"welcome_title": "Hello!"}, "it": {...}}
passed as `messages_file` (kiosk.json's "messages_file" or --messages).
Missing keys fall back to English, so a partial translation never shows a key.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_LANG = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "welcome_title": "Welcome",
        "welcome_detail": "{remaining} more may enter",
        "welcome_detail_one": "1 more may enter",
        "nearly_full_title": "Nearly full",
        "nearly_full_detail": "Only {remaining} more may enter",
        "nearly_full_detail_one": "Only 1 more may enter",
        "wait_title": "Please wait",
        "wait_detail": "We are full. Please wait here — thank you!",
        "staff_title": "Please ask staff",
        "staff_detail": "The live count is not available",
        "as_of": "as of {time}",
        "closed_title": "Closed",
        "closed_opens_today": "We open at {time}",
        "closed_opens_tomorrow": "We open tomorrow at {time}",
        "closed_opens_day": "We open {day} at {time}",
        "closed_unknown": "See you soon",
        "inside": "people inside",
        "inside_of": "of {limit} inside",
        "starting": "Starting…",
        "pin_prompt": "Staff PIN to leave kiosk mode",
        "pin_wrong": "Wrong PIN",
        "pin_locked": "Too many tries — wait {seconds} s",
        "staff_no_limit": "No occupancy limit set: −1 / +1 are off",
        "weekdays": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
    },
    "es": {
        "welcome_title": "Bienvenidos",
        "welcome_detail": "Pueden entrar {remaining} personas más",
        "welcome_detail_one": "Puede entrar 1 persona más",
        "nearly_full_title": "Casi lleno",
        "nearly_full_detail": "Solo pueden entrar {remaining} personas más",
        "nearly_full_detail_one": "Solo puede entrar 1 persona más",
        "wait_title": "Por favor, espere",
        "wait_detail": "Estamos completos. Espere aquí, ¡gracias!",
        "staff_title": "Pregunte al personal",
        "staff_detail": "El recuento en directo no está disponible",
        "as_of": "a las {time}",
        "closed_title": "Cerrado",
        "closed_opens_today": "Abrimos a las {time}",
        "closed_opens_tomorrow": "Abrimos mañana a las {time}",
        "closed_opens_day": "Abrimos el {day} a las {time}",
        "closed_unknown": "Hasta pronto",
        "inside": "personas dentro",
        "inside_of": "de {limit} dentro",
        "starting": "Iniciando…",
        "pin_prompt": "PIN del personal para salir del modo quiosco",
        "pin_wrong": "PIN incorrecto",
        "pin_locked": "Demasiados intentos: espere {seconds} s",
        "staff_no_limit": "Sin límite de aforo: −1 / +1 desactivados",
        "weekdays": "lunes,martes,miércoles,jueves,viernes,sábado,domingo",
    },
    "fr": {
        "welcome_title": "Bienvenue",
        "welcome_detail": "Encore {remaining} personnes peuvent entrer",
        "welcome_detail_one": "Encore 1 personne peut entrer",
        "nearly_full_title": "Presque complet",
        "nearly_full_detail": "Plus que {remaining} personnes peuvent entrer",
        "nearly_full_detail_one": "Plus qu’une personne peut entrer",
        "wait_title": "Veuillez patienter",
        "wait_detail": "Le magasin est complet. Merci de patienter ici !",
        "staff_title": "Adressez-vous au personnel",
        "staff_detail": "Le comptage en direct n’est pas disponible",
        "as_of": "à {time}",
        "closed_title": "Fermé",
        "closed_opens_today": "Ouverture à {time}",
        "closed_opens_tomorrow": "Ouverture demain à {time}",
        "closed_opens_day": "Ouverture {day} à {time}",
        "closed_unknown": "À bientôt",
        "inside": "personnes à l’intérieur",
        "inside_of": "sur {limit} à l’intérieur",
        "starting": "Démarrage…",
        "pin_prompt": "PIN du personnel pour quitter le mode kiosque",
        "pin_wrong": "PIN incorrect",
        "pin_locked": "Trop d’essais : attendez {seconds} s",
        "staff_no_limit": "Aucune limite d’occupation définie : −1 / +1 désactivés",
        "weekdays": "lundi,mardi,mercredi,jeudi,vendredi,samedi,dimanche",
    },
    "de": {
        "welcome_title": "Willkommen",
        "welcome_detail": "Noch {remaining} Personen dürfen eintreten",
        "welcome_detail_one": "Noch 1 Person darf eintreten",
        "nearly_full_title": "Fast voll",
        "nearly_full_detail": "Nur noch {remaining} Personen dürfen eintreten",
        "nearly_full_detail_one": "Nur noch 1 Person darf eintreten",
        "wait_title": "Bitte warten",
        "wait_detail": "Wir sind voll. Bitte warten Sie hier – danke!",
        "staff_title": "Bitte fragen Sie das Personal",
        "staff_detail": "Die Live-Zählung ist nicht verfügbar",
        "as_of": "Stand {time}",
        "closed_title": "Geschlossen",
        "closed_opens_today": "Wir öffnen um {time}",
        "closed_opens_tomorrow": "Wir öffnen morgen um {time}",
        "closed_opens_day": "Wir öffnen am {day} um {time}",
        "closed_unknown": "Bis bald",
        "inside": "Personen im Geschäft",
        "inside_of": "von {limit} im Geschäft",
        "starting": "Wird gestartet…",
        "pin_prompt": "Personal-PIN zum Verlassen des Kiosk-Modus",
        "pin_wrong": "Falsche PIN",
        "pin_locked": "Zu viele Versuche – bitte {seconds} s warten",
        "staff_no_limit": "Keine Belegungsgrenze festgelegt: −1 / +1 deaktiviert",
        "weekdays": "Montag,Dienstag,Mittwoch,Donnerstag,Freitag,Samstag,Sonntag",
    },
}


def languages() -> list[str]:
    return sorted(CATALOGUE)


class Messages:
    """Look-ups with English fallback; `overrides` as loaded from a JSON file."""

    def __init__(self, lang: str = DEFAULT_LANG, overrides: dict[str, dict[str, str]] | None = None):
        self.lang = (lang or DEFAULT_LANG).split("_")[0].split("-")[0].lower()
        self._tables = [
            (overrides or {}).get(self.lang, {}),
            CATALOGUE.get(self.lang, {}),
            (overrides or {}).get(DEFAULT_LANG, {}),
            CATALOGUE[DEFAULT_LANG],
        ]

    @classmethod
    def load(cls, lang: str = DEFAULT_LANG, messages_file: str | Path | None = None) -> Messages:
        overrides: dict[str, dict[str, str]] = {}
        if messages_file:
            try:
                raw = json.loads(Path(messages_file).read_text(encoding="utf-8"))
                overrides = {
                    str(k): {str(kk): str(vv) for kk, vv in v.items()} for k, v in raw.items() if isinstance(v, dict)
                }
            except (OSError, ValueError, AttributeError) as exc:  # a bad file must not stop the display
                log.warning("kiosk messages file %s ignored: %s", messages_file, exc)
        return cls(lang, overrides)

    def get(self, key: str, **values: object) -> str:
        for table in self._tables:
            if key in table:
                try:
                    return table[key].format(**values)
                except (KeyError, IndexError, ValueError):
                    continue  # a broken override falls back to the shipped text
        return key

    def count(self, key: str, n: int) -> str:
        """Simple plural: "<key>_one" for 1."""
        return self.get(f"{key}_one", remaining=n) if n == 1 else self.get(key, remaining=n)

    def weekday(self, index: int) -> str:
        names = self.get("weekdays").split(",")
        return names[index] if len(names) == 7 else str(index)
