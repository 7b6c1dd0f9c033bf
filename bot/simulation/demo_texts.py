"""What the demo's two partners type, in each language the demo speaks (`--lang`).

Only the partners' own words live here: Hearth's messages come from the bot itself, and the
narrator speaks English. The evening questions come from the bank; the answers are written for
the ones the demo's fresh couple draws today (a song for Monday's mood, Tuesday's favourite
part of the day) but never quote them, so they still read as answers should the bank change.
"""

from __future__ import annotations

from typing import Final

# The Telegram app's language_code for each --lang: Telegram sends IETF tags ("pt-br").
TELEGRAM_CODES: Final = {"en": "en", "ru": "ru", "es": "es", "pt_BR": "pt-br"}
LANGUAGES: Final = tuple(TELEGRAM_CODES)
NAMES: Final = {"en": "English", "ru": "Russian", "es": "Spanish", "pt_BR": "Brazilian Portuguese"}

# monday_*: Monday's question, answered by replying in the group.
# jar: the question Sam slips into the jar on Tuesday (drawn on Friday's jar night).
# tuesday_*: Tuesday's question, answered privately (Alex through the 🔒 link, Sam directly).
# friday_*: answers to Sam's jar question, by replying in the group.
PARTNER_TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "monday_sam": "Something slow and warm, like our Sunday mornings when neither of us "
        "has to be anywhere.",
        "monday_alex": "Something upbeat. I'm still smiling about our walk home after dinner "
        "yesterday.",
        "jar": "What's a small thing I do that makes you feel at home?",
        "tuesday_alex": "Our ten minutes of coffee before work. I don't say it enough, but it "
        "makes the whole day lighter.",
        "tuesday_sam": "Cooking dinner together, even on busy days. I didn't expect to love it "
        "this much.",
        "friday_alex": "You leave the hallway light on when I come home late.",
        "friday_sam": "The way you hum while you cook. Then I know everything is fine.",
    },
    "ru": {
        "monday_sam": "Что-нибудь медленное и тёплое, как наши воскресные утра, когда никому "
        "из нас никуда не надо.",
        "monday_alex": "Что-нибудь весёлое. До сих пор улыбаюсь, вспоминая нашу вчерашнюю "
        "прогулку домой после ужина.",
        "jar": "Какая моя мелочь помогает тебе почувствовать себя дома?",
        "tuesday_alex": "Наши десять минут с кофе перед работой. Я редко это говорю, но с ними "
        "весь день становится легче.",
        "tuesday_sam": "Готовить вместе ужин, даже в суматошные дни. Кто бы мог подумать, что "
        "мне это так понравится.",
        "friday_alex": "Ты оставляешь свет в коридоре, когда я поздно возвращаюсь.",
        "friday_sam": "Как ты напеваешь, когда готовишь. Тогда я знаю, что всё хорошо.",
    },
    "es": {
        "monday_sam": "Algo lento y cálido, como nuestros domingos por la mañana, cuando "
        "ninguno de los dos tiene que ir a ningún sitio.",
        "monday_alex": "Algo alegre. Todavía sonrío al pensar en el paseo de vuelta a casa "
        "después de cenar ayer.",
        "jar": "¿Qué pequeña cosa hago yo que te hace sentir en casa?",
        "tuesday_alex": "Nuestros diez minutos de café antes del trabajo. No te lo digo lo "
        "suficiente, pero me alegran todo el día.",
        "tuesday_sam": "Cocinar juntos la cena, incluso los días con mucho lío. No esperaba "
        "disfrutarlo tanto.",
        "friday_alex": "Que me dejes la luz del pasillo encendida cuando llego tarde.",
        "friday_sam": "Cómo tarareas mientras cocinas. Entonces sé que todo va bien.",
    },
    "pt_BR": {
        "monday_sam": "Alguma coisa lenta e quentinha, como os nossos domingos de manhã, quando "
        "nenhum de nós precisa ir a lugar nenhum.",
        "monday_alex": "Alguma coisa animada. Ainda estou sorrindo pensando na nossa volta pra "
        "casa depois do jantar ontem.",
        "jar": "Que coisinha eu faço que te faz se sentir em casa?",
        "tuesday_alex": "Os nossos dez minutos de café antes do trabalho. Eu não digo isso o "
        "suficiente, mas eles deixam o dia todo mais leve.",
        "tuesday_sam": "Cozinhar o jantar juntos, mesmo nos dias corridos. Nunca imaginei que "
        "ia gostar tanto.",
        "friday_alex": "Você deixa a luz do corredor acesa quando eu chego tarde.",
        "friday_sam": "O jeito que você cantarola enquanto cozinha. Aí eu sei que está tudo bem.",
    },
}
