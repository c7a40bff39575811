"""The few lines the offline answerer says in the reader's language (it quotes, never writes).

Keyed by ISO 639-1 code as the language guess (retrieval/answering/language.py) gives it; a
language without a line here gets the English one.
"""

from __future__ import annotations

# Said with the quotes: the answer is the sources' own English words, untranslated.
SOURCES_IN_ENGLISH = {
    "en": "The sources are in English; the quotes are their own words, untranslated.",
    "ru": "Источники на английском языке; цитаты из них приведены без перевода.",
    "uk": "Джерела написані англійською мовою; цитати з них наведено без перекладу.",
    "es": "Las fuentes están en inglés; las citas se reproducen sin traducir.",
    "fr": "Les sources sont en anglais ; les citations sont reproduites sans traduction.",
    "de": "Die Quellen sind auf Englisch; die Zitate sind unübersetzt wiedergegeben.",
    "it": "Le fonti sono in inglese; le citazioni sono riportate senza traduzione.",
    "pt": "As fontes estão em inglês; as citações são reproduzidas sem tradução.",
    "tr": "Kaynaklar İngilizcedir; alıntılar çevrilmeden verilmiştir.",
    "az": "Mənbələr ingilis dilindədir; onlardan sitatlar tərcüməsiz verilib.",
    "hy": "Աղբյուրներն անգլերեն են․ մեջբերումները ներկայացված են առանց թարգմանության։",
    "ka": "წყაროები ინგლისურ ენაზეა; ციტატები მოცემულია თარგმანის გარეშე.",
    "fa": "منابع به زبان انگلیسی هستند؛ نقل‌قول‌ها بدون ترجمه آمده‌اند.",
    "ar": "المصادر باللغة الإنجليزية؛ والاقتباسات واردة دون ترجمة.",
    "zh": "资料来源为英文；引文均为未经翻译的原文。",
    "el": "Οι πηγές είναι στα αγγλικά· τα αποσπάσματα παρατίθενται χωρίς μετάφραση.",
    "ro": "Sursele sunt în limba engleză; citatele sunt redate netraduse.",
    "pl": "Źródła są w języku angielskim; cytaty podano bez tłumaczenia.",
}

# Said instead of quotes when nothing retrieved answers the question.
DECLINE = {
    "en": "I can't answer that from the article or its background documents, and I'd rather "
          "not guess.",
    "ru": "Я не могу ответить на этот вопрос по статье и справочным материалам и не хочу "
          "гадать.",
    "uk": "Я не можу відповісти на це запитання за статтею та довідковими матеріалами і не "
          "хочу вгадувати.",
    "es": "No puedo responder a eso con el artículo ni con sus documentos de contexto, y "
          "prefiero no adivinar.",
    "fr": "Je ne peux pas répondre à cela à partir de l'article ni de ses documents de "
          "contexte, et je préfère ne pas deviner.",
    "de": "Das kann ich weder aus dem Artikel noch aus seinen Hintergrunddokumenten "
          "beantworten, und raten möchte ich nicht.",
    "tr": "Bunu makaleden ya da arka plan belgelerinden yanıtlayamıyorum ve tahmin yürütmek "
          "istemiyorum.",
    "az": "Bu suala məqalə və onun arxa plan sənədləri əsasında cavab verə bilmirəm və "
          "təxmin etmək istəmirəm.",
    "hy": "Հոդվածի և դրա օժանդակ փաստաթղթերի հիման վրա չեմ կարող պատասխանել այս հարցին, "
          "և չեմ ուզում կռահել։",
    "fa": "نمی‌توانم بر اساس مقاله و اسناد پس‌زمینه‌اش به این پرسش پاسخ دهم و ترجیح می‌دهم "
          "حدس نزنم.",
    "ar": "لا أستطيع الإجابة عن ذلك من المقال أو من وثائقه الخلفية، وأفضّل ألا أخمّن.",
    "zh": "我无法根据这篇文章及其背景资料回答这个问题，也不想猜测。",
}

# Said while the multilingual index is being built in the background (chat, Discord).
BUILDING = {
    "en": "Questions in languages other than English need a second index, which is being "
          "built now (about a minute, once). Please ask again shortly.",
    "ru": "Для вопросов не на английском языке нужен второй индекс; он сейчас строится "
          "(около минуты, один раз). Пожалуйста, задайте вопрос ещё раз чуть позже.",
    "uk": "Для запитань не англійською потрібен другий індекс; він зараз будується (близько "
          "хвилини, один раз). Будь ласка, поставте запитання ще раз трохи згодом.",
    "es": "Las preguntas en otros idiomas necesitan un segundo índice, que se está creando "
          "ahora (alrededor de un minuto, una sola vez). Vuelva a preguntar en un momento.",
    "fr": "Les questions dans d'autres langues que l'anglais demandent un second index, en "
          "cours de construction (environ une minute, une seule fois). Reposez la question "
          "dans un instant.",
    "de": "Fragen in anderen Sprachen als Englisch brauchen einen zweiten Index, der gerade "
          "erstellt wird (etwa eine Minute, einmalig). Bitte fragen Sie gleich noch einmal.",
    "tr": "İngilizce dışındaki sorular için ikinci bir dizin gerekiyor ve şu anda "
          "oluşturuluyor (yaklaşık bir dakika, yalnızca bir kez). Lütfen birazdan yeniden "
          "sorun.",
    "az": "İngilis dilindən başqa dillərdə suallar üçün ikinci indeks lazımdır; o, indi "
          "qurulur (təxminən bir dəqiqə, bir dəfə). Zəhmət olmasa, bir azdan yenidən soruşun.",
    "hy": "Անգլերենից բացի այլ լեզուներով հարցերի համար անհրաժեշտ է երկրորդ ինդեքս, որն "
          "այժմ կառուցվում է (մոտ մեկ րոպե, միայն մեկ անգամ)։ Խնդրում ենք շուտով կրկին "
          "հարցնել։",
    "fa": "پرسش‌ها به زبان‌های غیر از انگلیسی به نمایهٔ دومی نیاز دارند که اکنون در حال "
          "ساخت است (حدود یک دقیقه، فقط یک بار). لطفاً کمی بعد دوباره بپرسید.",
    "ar": "تحتاج الأسئلة بلغات غير الإنجليزية إلى فهرس ثانٍ يجري إنشاؤه الآن (نحو دقيقة، "
          "مرة واحدة فقط). يرجى إعادة السؤال بعد قليل.",
    "zh": "非英语问题需要第二个索引，现正在构建（约一分钟，仅此一次）。请稍后再问。",
}


def say(table: dict[str, str], language: str | None) -> str:
    """The line of `table` in `language`, or the English one."""
    return table.get(language or "en", table["en"])
