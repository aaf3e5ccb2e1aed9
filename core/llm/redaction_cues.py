"""People and accounts that ticket text names without a field label, found by where they stand.

No pattern tells "Priya" or "Olumide Bankole-Hart" from any other capitalised word; the places people are named in
service-desk text do: the speaker of a chat line (``[10:42] Priya:``), the name after a greeting (``Hi Priya,``) or
on the line after a sign-off (``Kind regards,`` / ``Cordialement,``), the display name before an address
(``Siobhan O'Neill <siobhan.oneill@…>``), a title (``Mrs Adeyemi``, ``Dhr. van der Berg``), the object of a verb
people are the object of (``rang``, ``emailed``, ``cc'd``, ``spoke with``, ``checked out to``), a possessive
(``Ahmed's laptop``), a sentence that begins with someone doing what people do (``Dmitri approved it``, ``Fatima is
remote``), and the parts of an e-mail address written in the text as a name (``kwame.mensah@…`` names "Kwame").
Accounts stand after ``/user:``, ``Account Name:``, ``SamAccountName :``, ``user="…"``, ``-Identity`` and in a home
folder path.

A name is one to four capitalised words (letters of any script, hyphens, apostrophes, initials such as "J.P."),
particles such as "van der" or "bin" inside it; none of its words may be a product's, a vendor's or one the
similarity vocabulary folds (``ordinary``), and words that are also common words ("Will", "Grace") count only beside
a word that is not. Every value found here is then searched for in the whole text by ``replace_names``, with the
parts of a full name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from core.llm import redaction_words as words
from core.llm.redaction_names import clause, company_value
from core.similarity.terms import stem
from core.similarity.tfidf import idf_table

Ordinary = Callable[[str], bool]

_PARTICLES = words.words("van de der den von da das do dos del della di du le la bin binti ibn al el ten ter")
# A capitalised name word in any script ("Anaïs", "Søren", "Ngata-Whaanga", "O'Neill", "Ирина"), or initials.
_NAME_WORD = re.compile(r"^(?:[^\W\d_](?:[^\W\d_]|['’])*(?:-[^\W\d_](?:[^\W\d_]|['’])*)*|(?:[A-Z]\.){1,3}[A-Z]?)$")
_TRAILING = ".,;:!?)]}\"'’"
_TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Dhr|Mevr|Herr|Frau|Hr|Fr|Mme|Mlle|Sr|Sra|Srta|Sig|Sig\.ra|Pan|Pani"
_TITLE = re.compile(rf"^(?:{_TITLES})\.?$")


def everyday(word: str) -> bool:
    """Whether a word is one helpdesk text uses (in the similarity vocabulary's IDF table, by its stem)."""
    return stem(word.lower()) in idf_table()[0]


def _fold(word: str) -> str:
    """Lower case without accents or apostrophes: "O'Neill" -> "oneill", "Anaïs" -> "anais"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    return re.sub(r"['’]", "", plain).casefold()


def _unknown_word(word: str) -> bool:
    """Whether a lower-case word may be part of a name: two letters or more, and not a word of the helpdesk's
    vocabulary (:func:`everyday`), a common English word, a product's, a vendor's or a field's."""
    low = word.lower().strip("'’-")
    return (
        len(low) >= 2
        and not (len(low) > 5 and low.endswith(("ed", "ing")))  # "reopened", "restarting": a verb
        and not everyday(low)
        and low not in words.COMMON_WORDS
        and low not in words.NOT_NAMES
        and low not in words.INSTRUCTION_WORDS
        and low not in words.CALENDAR_WORDS
    )


def _is_name_word(token: str) -> bool:
    """A capitalised word or initials; an acronym ("KB", "VPN", "FD") or its plural ("PDFs") is no name."""
    if not _NAME_WORD.match(token) or not token[0].isupper():
        return False
    if re.fullmatch(r"[A-Z]{2,}s", token):
        return False  # an acronym's plural: "PDFs", "VMs", "GPOs"
    letters = [ch for ch in token if ch.isalpha()]
    return "." in token or len(letters) < 2 or not all(ch.isupper() for ch in letters)


def name_at(text: str, start: int, ordinary: Ordinary, *, titled: bool = False) -> str | None:
    """The name that begins at ``start`` in ``text`` (see the module doc), or None. After a title the name may
    begin with a particle ("Dhr. van der Berg")."""
    taken: list[str] = []
    for match in re.finditer(r"\S+", text[start : start + 120]):
        raw = match.group(0)
        token = raw.rstrip(_TRAILING)
        if not taken and _TITLE.match(token):
            titled = True
            continue
        if token.lower() in _PARTICLES and (taken or titled) and token == raw:
            taken.append(token)
            continue
        if not token or not _is_name_word(token) or sum(t.lower() not in _PARTICLES for t in taken) >= 4:
            break
        taken.append(token)
        if token != raw and not re.fullmatch(r"(?:[A-Z]\.)+", raw):
            break  # punctuation after the word ends the name
        if "\n" in text[start + match.end() : start + match.end() + 1]:
            break
    while taken and taken[-1].lower() in _PARTICLES:
        taken.pop()
    if not taken or not plausible(taken, ordinary):
        return None
    return " ".join(taken)


def whole_name(candidate: str, ordinary: Ordinary) -> str | None:
    """``candidate`` when all of it reads as one name (:func:`name_at` takes every word), else None."""
    candidate = candidate.strip()
    return candidate if candidate and name_at(candidate + " ", 0, ordinary) == candidate else None


def plausible(parts: list[str], ordinary: Ordinary) -> bool:
    """Whether words read as a person's name: none a product's, a vendor's or a field word, and not all of them
    common words."""
    words_only = [p for p in parts if p.lower() not in _PARTICLES]
    if not words_only:
        return False

    def ordinary_word(part: str) -> bool:
        low = part.lower().rstrip(".")
        return low in words.NOT_NAMES or low in words.CALENDAR_WORDS or low in words.INSTRUCTION_WORDS or ordinary(low)

    # A name begins with a name: after it, a word may be one that is also a product's ("Ciarán Mac Giolla"), but
    # not every word may be ordinary or common ("Grant Access").
    if ordinary_word(words_only[0]):
        return False
    if len(words_only) > 1 and all(ordinary_word(p) or p.lower() in words.COMMON_WORDS for p in words_only[1:]):
        return words_only[0].lower() not in words.COMMON_WORDS and not any(ordinary_word(p) for p in words_only[1:])
    return not all(p.lower() in words.COMMON_WORDS for p in words_only)


# Where a name follows (case-insensitive cue, capitalised name).
_GREETINGS = (
    r"hi|hello|hey|dear|morning|afternoon|good (?:morning|afternoon|evening)|bonjour|salut|hallo|hola|hei|hej|dag|"
    r"goedemorgen|ciao|buongiorno|ol[aá]|guten (?:morgen|tag)"
)
_THANKS = r"thanks|thank you|cheers|ta|merci|danke|gracias|bedankt|takk"
# One scan for every cue word (each branch begins at a word boundary, so most positions fail at once); what a
# greeting or a thanks needs besides is checked on the match (``_cue_holds``).
_BEFORE_NAME = re.compile(
    r"(?i)\b(?:(?P<greeting>" + _GREETINGS + r"),?|(?P<thanks>" + _THANKS + r")"
    r"|site contact|contact on site|contact person|contact|line manager|manager|approver|buyer|owner|assignee|"
    r"requester|caller|colleague|display name|belongs to|forward(?:ed)? to|send to|sent to"
    r"|rang|ringed|called|phoned|emailed|e-mailed|mailed|messaged|pinged|texted|cc'?e?d|bcc'?e?d|copied|"
    r"told|asked|informed|reminded|chased|contacted|notified|spoke (?:with|to)|talked (?:with|to)|"
    r"left (?:a )?(?:vm|voicemail|message) for|on behalf of|according to|as per|per|forwarded to|escalated to|"
    r"assigned to|checked out to|handed (?:it )?(?:over )?to|approval (?:came )?from|came from|heard from|"
    r"waiting on|sign-off from|for user|it'?s|this is|i'?m|ich bin|je suis|soy)(?:[ \t]*[:,–—-])?[ \t]+"
)
_LINE_END_NAME = re.compile(r"[^\W\d_]+[!.,]?[ \t]*(?:$|\n)")


def _cue_holds(text: str, match: re.Match[str]) -> bool:
    """A greeting opens a line or a sentence ("Hi Priya,", "… done. Hello Tom"); a thanks is followed by a name that
    ends its line ("thanks Ravi!"); every other cue word stands anywhere."""
    if match.group("greeting"):
        before = text[: match.start()].rstrip(" \t")
        return not before or before[-1] in "\n.!?:"
    if match.group("thanks"):
        return bool(_LINE_END_NAME.match(text, match.end()))
    return True


# A name, then what only people do, at the start of a sentence or line ("Dmitri approved it", "Fatima is remote");
# not what software does too ("Internet works", "Outlook says").
_NAME_THEN_VERB = re.compile(
    r"(?:^|(?<=[\n.!?:;])|(?<=[.!?]['\"’)\]]))[ \t]*(?P<name>[^\W\d_][^\n.!?;:]{0,60}?)[ \t]+(?i:rang|called|phoned|"
    r"emailed|texted|messaged|reports|reported|confirms|confirmed|approved|asked|mentioned|noticed|thinks|handles|"
    r"is remote|is away|is out of (?:the )?office|is on leave|isn'?t in|works (?:at|for|from)|"
    r"(?:changed|reset|lost|forgot|left|updated|dropped|broke|locked|replaced) (?:his|her|their))\b",
    re.MULTILINE,
)
# Where someone works, just before the company's name: "Kylie at Wattle Creek Dental Pty Ltd", "Giulia Esposito
# (giulia) from Trattoria Esposito S.r.l.", "Hannelore Krause, Weingut Krause KG".
_BEFORE_COMPANY = re.compile(r"(?:[ \t]*\([^()\n]{1,40}\))?(?:[ \t]+(?:at|from|of|with|@)[ \t]+|,[ \t]*|[ \t]*\()$")
# A name in another script or form beside one found, in brackets: "Park Ji-hoon (박지훈)", "田中さん (Hiroshi Tanaka)".
_BRACKETED = re.compile(r"\(([^()\n]{1,60})\)")
_ALIAS = re.compile(r"[^\W\d_][^()\n\d<>@]{0,40}")
# A caller's line or sentence that begins with the name and the company in brackets ("Khalid bin Saeed Al-Mansoori
# (Al-Noor Medical Centre LLC) – …").
_NAME_BRACKET = re.compile(
    r"(?:^|(?<=[.!?:;]))[ \t]*(?P<name>[^\W\d_][^\n(.!?:;]{2,60}?)[ \t]*\((?P<org>[^)\n]{3,80})\)", re.MULTILINE
)
_OWNED = re.compile(
    r"[ \t]+(?i:new[ \t]+|old[ \t]+|work[ \t]+|own[ \t]+)?(?i:laptop|pc|desktop|computer|machine|device|phone|mobile|iphone|"
    r"ipad|tablet|surface|macbook|mailbox|inbox|email|e-mail|account|profile|password|calendar|onedrive|desk|direct|"
    r"line|extension|number|manager|team|login|sign-in|prt|home|drive|documents|files|folder|access|licence|license|"
    r"issue|problem|ticket|request|docking|dock|screen|monitor|printer|headset|camera|session|vpn)\b"
)
_POSSESSIVE = re.compile(r"(?<![\w'’])(?P<name>[^\W\d_][\w'’-]*)['’]s\b")
# A chat line's speaker: "[10:42] Priya:", "[09:05] Elif (Service Desk):", "Priya (10:42):", "10:42 Priya:".
_CHAT_SPEAKER = re.compile(
    r"^[ \t]*(?:\[(?:[\d/.-]{6,10},?[ \t]*)?\d{1,2}:\d{2}(?::\d{2})?\]|(?:[\d/.-]{6,10},?[ \t]+)?\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:[ \t]+-)?)[ \t]*(?P<a>[^:\n(\[]{1,60}?)[ \t]*(?:\([^)\n]*\))?:"
    r"|^[ \t]*(?P<b>[^:\n(\[]{1,60}?)[ \t]*\(\d{1,2}:\d{2}(?::\d{2})?\)[ \t]*:",
    re.MULTILINE,
)
# The person behind a role in a chat or a call: "Tech (Ravi):", "Agent (Marisol):".
_ROLE_SPEAKER = re.compile(
    r"(?im)^[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*)?(?:tech|technician|engineer|agent|analyst|support|helpdesk|help desk|"
    r"service desk|it|admin|caller|customer|user|client|manager)[ \t]*\((?P<name>[^()\n:]{2,40})\):"
)
# A meeting's people, one list per line: "Organizer: …", "Required: A; B; C".
_PEOPLE_LIST = re.compile(
    r"(?im)^[ \t]*(?:organi[sz]er|required|optional|attendees|participants|invitees|cc|to)[ \t]*:[ \t]*(?P<list>[^\n]+)$"
)
# A name joined to one already found ("Bronwyn and Callum", "Dewi and Ffion Llewellyn", "Bronwyn & Tevita").
_JOINED = r"[ \t]+(?:and|&|\+)[ \t]+"
# Done by someone: "Reboot done by Kwame", "approved by Ingrid Solberg" (one name word is enough after these).
_DONE_BY = re.compile(
    r"(?i:\b(?:done|approved|fixed|completed|performed|handled|resolved|checked|raised|logged|reported|requested|"
    r"submitted|authori[sz]ed|confirmed|signed off|escalated|closed|reopened|updated|assigned)[ \t]+by)[ \t]+"
)
# Whoever holds or did something to a file or a ticket, by a full name ("locked for editing by Yevheniia Kovalenko",
# "checked out by Tom Ellery"): one word after these is as often a product ("opened by Defender").
_HELD_BY = re.compile(
    r"\b(?:locked(?:[ \t]+for[ \t]+editing)?|opened|edited|modified|checked[ \t]+out|in[ \t]+use|used|created|owned"
    r"|approved|logged|raised|submitted|deleted|moved|shared)[ \t]+by[ \t]+"
)
# The caller of a pasted ticket at the start of a line or field, by a full name, and the company after "from"
# ("description: Dashiell Okonkwo-Reyes from Marrowby Dental Partners on …").
_FROM_LINE = re.compile(
    r"(?m)(?:^|(?<=:))[ \t]*(?P<name>[^\W\d_][^\n:]{2,60}?)[ \t]+from[ \t]+(?P<company>[A-Z][^\n]*)"
)
# The same typed in lower case at the start of a line or field ("desmond achebe-lindahl from cobbleford
# physiotherapy, (617) 555-0146", "ngozi from accounts says ...", "ilse brandstätter at salzachtal druckerei gmbh:"):
# up to three words, "from" or "at", up to four words, and then what a caller's line goes on with: a person's verb,
# a phone number or address after a comma, or the end of a company's name by its legal form. Lower case
# says nothing of a name (:func:`_unknown_word`), so without those ("as seen from the response message below:",
# "necessary jar from production has been collected") nothing is taken.
_FROM_LINE_LOWER = re.compile(
    r"(?m)(?:^|(?<=:))[ \t]*(?P<name>[a-z][\w'’-]*(?:[ \t]+[a-z][\w'’-]*){0,2})[ \t]+(?:from|at)[ \t]+"
    r"(?P<company>[a-z][\w&'’.-]*(?:[ \t]+[a-z][\w&'’.-]*){0,3}?)"
    r"(?:[ \t]+(?P<verb>says|said|rang|called|phoned|emailed|e-mailed|reports|reported|asks|asked|wants|writes|wrote)\b"
    r"|[ \t]*,[ \t]*(?P<contact>\+?\(?\d[\d ().-]{6,}|[\w.+-]+@|<(?:PHONE|EMAIL)_\d+>)"
    r"|(?P<end>[ \t]*(?:[:,;(]|$)))"
)
# Labelled fields the intake reader does not know, in English and the languages tickets arrive in.
_PERSON_FIELD = re.compile(
    r"(?im)^[ \t]*(?:assigned technician|technician|assigned to|assignee|engineer|von|van|de|contacto(?: en sitio)?|"
    r"kontakt|ansprechpartner|interlocuteur|solicitante|aanvrager)[ \t]*:[ \t]*"
)
_COMPANY_FIELD = re.compile(
    r"(?im)^[ \t]*(?:firma|empresa|cliente|soci[ée]t[ée]|unternehmen|kunde|klant|bedrijf|organi[sz]ation|organizaci[oó]n)"
    r"[ \t]*:[ \t]*(?P<value>[^\n,;(]+)"
)
# The author of a quoted message: "On Mon, 4 Mar 2024, Halina Zielińska wrote:", "Le 3 mars, X a écrit :".
_WROTE = re.compile(
    r"(?m)(?:,|^)[ \t]*(?P<name>[^\W\d_][^,<>\n]{1,60}?)[ \t]+(?:<[^<>\n]*>[ \t]+)?"
    r"(?:wrote|a écrit|schrieb|escribió|schreef|skrev|napisał|kirjoitti)[ \t]*:"
)
# "Display Name <address>" in a header or a Cc list.
_ANGLE_ADDRESS = re.compile(r"<[^<>@\s]+@[^<>\s]+>")
_DISPLAY_NAME = re.compile(r"(?P<name>[^\W\d_][^<>\n;,:]{0,60}?)[ \t]*$")
# Closing words in the languages tickets arrive in; the name follows on the next line, or after a comma.
_CLOSINGS = (
    r"kind regards|best regards|warm regards|many thanks|thanks(?: again)?|thank you|regards|rgds|cheers|best|br|"
    r"cordialement|bien (?:à|a) vous|salutations|mit freundlichen gr(?:ü|ue)(?:ß|ss)en|viele gr(?:ü|ue)(?:ß|ss)e|lg|"
    r"saludos|un saludo|atentamente|met vriendelijke groet(?:en)?|groeten|mvg|med vennlig hilsen|vennlig hilsen|hilsen|"
    r"mvh|med v(?:ä|a)nliga h(?:ä|a)lsningar|pozdrawiam|atenciosamente|cumprimentos|cordiali saluti|distinti saluti|"
    r"с уважением"
)
_SIGN_OFF = re.compile(r"(?im)^[ \t]*(?:" + _CLOSINGS + r")[ \t]*[,.!]?[ \t]*\n(?:[ \t]*[—–-]{1,3}[ \t]*\n)*")
# Inline only after the longer closings: "Best, the Accounts team" and "Thanks, it works" name no one.
_SIGN_OFF_INLINE = re.compile(
    r"(?i)\b(?:kind regards|best regards|regards|cordialement|mit freundlichen gr(?:ü|ue)(?:ß|ss)en|saludos|atentamente|"
    r"met vriendelijke groet(?:en)?|med vennlig hilsen|pozdrawiam|atenciosamente|с уважением),[ \t]+"
)
_SEPARATOR_LINE = re.compile(r"(?m)^[ \t]*(?:—|–|--|__+)[ \t]*\n")
_ADDRESS = re.compile(r"(?<![\w.+-])(?P<local>[A-Za-z0-9._%+-]+)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WORD = re.compile(r"[^\W\d_][\w'’]*")

# Accounts: the value after a label that only ever holds one.
_ACCOUNT = re.compile(
    r"(?i:/user:|\baccount name:[ \t]*|\bsamaccountname[ \t]*:[ \t]*|\buser(?:name)?=|-identity[ \t]+|"
    r"\\home\$?\\|\\users?\$\\)[\"']?(?P<value>[A-Za-z][\w.\\-]{1,63})"
)


_LEGAL_FORM = (
    r"\(Pty\)[ \t]+Ltd\.?|Pty\.?[ \t]+Ltd\.?|Pte\.?[ \t]+Ltd\.?|Co\.,?[ \t]+Ltd\.?|Ltd\.?|Limited|LLC|L\.L\.C\.|LLP|"
    r"Inc\.?|Incorporated|GmbH(?:[ \t]+&[ \t]+Co\.?[ \t]+KG)?|AG|KG|e\.V\.|plc|PLC|Corp\.?|Corporation|B\.V\.|BV|N\.V\.|NV|"
    r"K\.K\.|KK|S\.A\.S\.|SAS|S\.A\.|SA|SARL|S\.r\.l\.|Srl|SRL|S\.p\.A\.|SpA|S\.L\.|Ltda\.?|Oy|AB|ASA|AS|ApS|A/S|"
    r"Sp\.[ \t]+z[ \t]+o\.o\.|Sp\.[ \t]?j\.|Bhd|Sdn[ \t]+Bhd|S/A|DAC|S\.C\.|s\.r\.o\.|a\.s\.|Kft\.|Zrt\.|Pvt\.?[ \t]+Ltd\.?|"
    r"PJSC|FZE|FZ-LLC|W\.L\.L\.|Co\."
)
_ORG_NOUN = (
    r"(?:&|i|e|y|und|en)[ \t]+(?:Sons?|Co\.?|Partners|Associates|Filhos|Fils|S(?:ö|oe)hne|Zonen|Hijos|Syn(?:owie)?)|Surgery|Clinic|Practice|Partners|"
    r"Holdings|Associates|Trust|Foundation|Academy|School|College|Council|Hospital|Pharmacy|Kindergarten|Engineering|"
    r"Logistics|Imports|Exports|Trading|Textiles|Accountants|Solicitors|Architects|Consulting|Consultants|Construction|"
    r"Bakery|Brewery|Winery|Tandartsen|Apotheke|Praxis"
)
_ORG_WORD = r"(?:[^\W\d_a-z][\w&'’.-]*|&|and|of|de|da|do|du|van|von|der|den|y|e)"
# A company named with its legal form ("Hoshino Seiki K.K.", "Jade Harbour Trading Co., Ltd.", "Karoo Fresh Produce
# (Pty) Ltd") or with a word only an organisation's name ends in ("Marlow Street Surgery", "Fenwick & Sons").
_ORGANISATION = re.compile(
    rf"(?<![\w<])(?P<name>[^\W\d_a-z][\w&'’.-]*(?:[ \t]+{_ORG_WORD}){{0,4}}?"
    rf"(?:,?[ \t]+(?:{_LEGAL_FORM})|[ \t]+(?:{_ORG_NOUN})(?:,?[ \t]+(?:{_LEGAL_FORM}))?))"
    r"(?![\w-])"
)


# Legal forms written before a quoted name ("ООО «Северный Ветер»", "OOO \"Vega\"").
_QUOTED_ORGANISATION = re.compile(r"\b(?:ООО|ОАО|ЗАО|ПАО|АО|ИП|OOO|ZAO|OAO)[ \t]*[«\"“](?P<name>[^»\"”\n]{2,60})[»\"”]")


def is_organisation(text: str) -> bool:
    """Whether ``text`` is a company's name by its legal form or the word it ends in."""
    match = _ORGANISATION.search(text)
    return bool(match) and match.group("name")[0].isupper()


def organisations(text: str, ordinary: Ordinary) -> list[tuple[str, str]]:
    """("COMPANY", name) for each organisation ``text`` names by its legal form or the word it ends in, when its
    first word is capitalised and neither a product's nor a field word ("Security Engineering" is a team)."""
    found = []
    for match in _ORGANISATION.finditer(text):
        name = match.group("name").strip()
        first = name.split()[0]
        if not first[0].isupper() or first.lower() in words.NOT_NAMES or ordinary(first.lower()):
            continue
        if first.lower() in words.COMMON_WORDS or first.lower() in words.CALENDAR_WORDS:
            continue
        if ("COMPANY", name) not in found:
            found.append(("COMPANY", name))
    found.extend(("COMPANY", m.group("name").strip()) for m in _QUOTED_ORGANISATION.finditer(text))
    for match in _COMPANY_FIELD.finditer(text):
        value = match.group("value").strip().rstrip(".")
        if value and value[0].isupper() and not all(ordinary(w.lower()) for w in value.split()):
            found.append(("COMPANY", value))
    return found


# An account written first.last ("tunde.bakare", "fernanda.lima"), not a file or a host name.
_DOTTED_ACCOUNT = re.compile(r"(?<![\w.@-])([a-z]{2,20})\.([a-z]{3,20})(?![\w@-]|\.\w)")
_NOT_ACCOUNT_ENDS = words.words(
    "exe dll msi ps1 bat cmd vbs json xml txt log csv pst ost docx xlsx pptx pdf zip cab inf sys ini cfg conf yaml yml "
    "com net org local lan corp internal example html htm aspx php"
)


def _names_from_addresses(text: str, ordinary: Ordinary) -> list[str]:
    """Words of ``text`` that an e-mail address or a first.last account in it spells as its owner's name
    ("kwame.mensah@…" -> "Kwame", "C:\\Users\\tunde.bakare" -> "Tunde", "Bakare")."""
    if "@" not in text and "." not in text:
        return []
    parts = set()
    for match in _ADDRESS.finditer(text):
        for part in re.split(r"[._+-]", match.group("local")):
            if len(part) >= 3 and part.isalpha():
                parts.add(part.casefold())
    for match in _DOTTED_ACCOUNT.finditer(text):
        if match.group(2) not in _NOT_ACCOUNT_ENDS:
            parts.update(p for p in match.groups() if len(p) >= 3)
    if not parts:
        return []
    found = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or _fold(word) not in parts:
            continue
        if plausible([word], ordinary) and word not in found:
            found.append(word)
    return found


def people(text: str, ordinary: Ordinary) -> list[tuple[str, str]]:
    """("PERSON", name) for every person ``text`` names by the cues of the module doc, and ("COMPANY", name) for
    the company a caller's line names beside them."""
    found: list[str] = []
    companies: list[tuple[str, str]] = []

    def add(name: str | None) -> None:
        if name and name not in found:
            found.append(name)

    for match in _BEFORE_NAME.finditer(text):
        if _cue_holds(text, match):
            add(name_at(text, match.end(), ordinary))
    for match in _PERSON_FIELD.finditer(text):
        add(name_at(text, match.end(), ordinary))
    for match in _WROTE.finditer(text):
        add(whole_name(match.group("name"), ordinary))
    for match in _ROLE_SPEAKER.finditer(text):
        add(name_at(match.group("name") + " ", 0, ordinary))
    for match in _PEOPLE_LIST.finditer(text):
        for item in re.split(r"[;,]", match.group("list")):
            if "<" not in item and "@" not in item:
                add(whole_name(item, ordinary))
    for match in _DONE_BY.finditer(text):
        add(name_at(text, match.end(), ordinary))
    for match in _CHAT_SPEAKER.finditer(text):
        start = match.start("a") if match.group("a") is not None else match.start("b")
        add(name_at(text, start, ordinary))
    for match in _ANGLE_ADDRESS.finditer(text):
        shown = _DISPLAY_NAME.search(text[max(0, match.start() - 62) : match.start()])
        if shown:
            add(name_at(shown.group("name"), 0, ordinary))
    for match in _SIGN_OFF.finditer(text):
        rest = _SEPARATOR_LINE.sub("", text[match.end() : match.end() + 200], count=1)
        line = rest.lstrip(" \t").split("\n", 1)[0]
        add(name_at(line.split("|")[0], 0, ordinary))
    for match in _SIGN_OFF_INLINE.finditer(text):
        add(name_at(text, match.end(), ordinary))
    for match in _SEPARATOR_LINE.finditer(text):
        line = text[match.end() : match.end() + 120].lstrip(" \t").split("\n", 1)[0]
        add(name_at(line.split("|")[0], 0, ordinary))
    for match in _NAME_THEN_VERB.finditer(text):
        named, company = match.group("name"), None
        # "Piotr Wiśniewski-Lang (Wiślanka Trade) rang": the brackets hold where the caller works.
        bracket = re.fullmatch(r"(?P<name>[^()]+?)[ \t]*\((?P<org>[^()]{2,60})\)", named)
        if bracket:
            named, company = bracket.group("name"), bracket.group("org").strip()
        span = named.split()
        while span and span[0].lower().rstrip(",") in words.INSTRUCTION_WORDS:
            span = span[1:]  # "Then Maria Lopez approved it", "Our Priya rang"
        name = whole_name(" ".join(span), ordinary)
        # One word at a sentence's start may be any noun ("Change approved by …"): not one of the words tickets use.
        if name and (" " in name or not everyday(name)):
            add(name)
            if company and company[0].isupper() and not all(ordinary(t.lower()) for t in company.split()):
                companies.append(("COMPANY", company))
    for match in _POSSESSIVE.finditer(text):
        before = text[: match.start()].rstrip(" \t")
        sentence_start = not before or before[-1] in ".!?:\n\"'"
        # At a sentence's start any word is capitalised ("Drive's free space"): only what a person owns follows.
        if sentence_start and not _OWNED.match(text, match.end()):
            continue
        name = name_at(text[match.start() : match.end() - 2], 0, ordinary)
        if name and not (sentence_start and name.lower() in words.COMMON_WORDS):
            add(name)
    for match in _ORGANISATION.finditer(text):
        add(_name_before(text[max(0, match.start() - 100) : match.start()], ordinary))
    for match in _NAME_BRACKET.finditer(text):
        name = whole_name(match.group("name"), ordinary)
        if name and " " in name and is_organisation(match.group("org")):
            add(name)
    for match in _HELD_BY.finditer(text):
        name = name_at(text, match.end(), ordinary)
        if name and " " in name:
            add(name)
    for match in _FROM_LINE.finditer(text):
        name = whole_name(match.group("name"), ordinary)
        if name and " " in name:
            add(name)
            company = company_value(clause(match.group("company")))
            if company and not all(ordinary(t.lower()) for t in company.split()):
                companies.append(("COMPANY", company))
    for match in _FROM_LINE_LOWER.finditer(text):
        name, company = match.group("name"), match.group("company").rstrip(".")
        # Only a legal form, in any case ("salzachtal druckerei gmbh:"), says the words before it are a company and
        # so the ones before those a name.
        if match.group("end") is not None and not re.fullmatch(rf"(?i:{_LEGAL_FORM})", company.split()[-1]):
            continue
        if not all(_unknown_word(part) for part in name.split()):
            continue
        add(name)
        if not all(ordinary(part) or everyday(part) for part in company.split()):
            companies.append(("COMPANY", company))
    for match in re.finditer(rf"\b(?:{_TITLES})\.?[ \t]+", text):
        add(name_at(text, match.start(), ordinary))
    for name in _names_from_addresses(text, ordinary):
        add(name)
    for name in list(found):
        for match in re.finditer(re.escape(name) + _JOINED, text):
            add(name_at(text, match.end(), ordinary))
        for match in re.finditer(r"([^\W\d_][\w'’-]*)" + _JOINED + re.escape(name) + r"\b", text):
            add(whole_name(match.group(1), ordinary))
    if found:
        for alias in _aliases(text, found, ordinary):
            add(alias)
    return [("PERSON", name) for name in found] + companies


def _name_before(before: str, ordinary: Ordinary) -> str | None:
    """The name that ``before`` (the text up to a company's name) ends with, before "at", "from", "of", "with" or a
    comma: the longest run of up to five words that reads as a name. Only a company by its form counts ("Open Event
    Viewer at Applications and Services Logs" names no one)."""
    link = _BEFORE_COMPANY.search(before)
    if link is None:
        return None
    tokens = before[: link.start()].split()
    for count in range(min(5, len(tokens)), 0, -1):
        name = whole_name(" ".join(tokens[-count:]), ordinary)
        if name:
            return name
    return None


def _aliases(text: str, found: list[str], ordinary: Ordinary) -> list[str]:
    """Names written beside a found one in brackets, in either order: "Park Ji-hoon (박지훈)", "田中さん (Hiroshi
    Tanaka)". One pass over the brackets of ``text``."""
    known = set(found)
    aliases = []
    for match in _BRACKETED.finditer(text):
        inside = match.group(1).strip()
        before = text[max(0, match.start() - 80) : match.start()].rstrip()
        if any(before.endswith(name) for name in known) and _ALIAS.fullmatch(inside):
            aliases.append(inside)  # the bracket follows a name: it holds the same person's other name
        elif inside in known:
            word = re.search(r"([^\W\d_][^()\s\d]{0,20})$", before)
            if word and not word.group(1)[0].islower() and _ALIAS.fullmatch(word.group(1)):
                aliases.append(word.group(1))
    return [a for a in aliases if all(not ordinary(w.lower()) and w.lower() not in words.NOT_NAMES for w in a.split())]


def accounts(text: str) -> list[tuple[str, str]]:
    """("USER", value) for every account ``text`` names after a label that only ever holds one."""
    found = []
    for match in _ACCOUNT.finditer(text):
        value = match.group("value").rstrip(".\\")
        if "@" in value or value.startswith("$") or words.PLACEHOLDER_RE.search(value):
            continue
        domain, _, user = value.rpartition("\\")
        if user.casefold() in words.NOT_NAMES or domain.casefold() in words.NOT_DOMAINS:
            continue
        found.append(("USER", value))
    return found
