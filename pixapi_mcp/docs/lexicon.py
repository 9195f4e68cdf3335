"""How text becomes search terms, in every language Pixapi's public pages are localised into:
English, Simplified and Traditional Chinese, German and Italian (seeds/llms-full.txt: "Public
content is available in English, Simplified Chinese, Traditional Chinese, German, and Italian").

The bundled docs are English, so a question in another language is mapped onto English terms:
a small term map per language covers the main topics (image generation, video, async tasks,
polling, edits, keys, credits and prices, models, errors). Latin-script words are looked up whole,
then by their longest known prefix (inflections: ``asynchronen`` -> ``asynchron``), then split
once as a German compound (``Referenzbildern`` -> ``referenz`` + ``bildern``); unknown words are
English-stemmed. Chinese has no spaces: a run of Han characters is segmented by longest match
against the term map (keys of at most ``_CJK_MAX`` characters), and what no key matches becomes
character bigrams (weighted half: they match nothing in English docs, so they only tell the
confidence that part of the question was not understood). Everything is linear in the input:
one regular expression without nested quantifiers, and dictionary probes of bounded length.

``SYNONYMS`` is the English query expansion the search applies on top (a term also searches for
related terms, at a lower weight).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# One match: a run of Han characters, or a word (letters and digits of any script but Han) with
# its ``._/-``-joined parts. The separators are not word characters, so the pattern cannot
# backtrack more than one character.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+(?:[._/-][^\W_{_HAN}]+)*")
_PARTS = re.compile(r"[._/-]+")
_MAX_WORD = 40  # longer "words" (hashes, base64) are not split as compounds

_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        # English
        "a an and are as at be by can do does for from get got how i if in into is it its me my of on or so the "
        "their then there this to use using want was what when where which who why will with you your should "
        "would could i'm im we our mean means meaning just also some any about after before once still there's "
        "what's that's don don't doesn doesn't isn isn't there here anything something need needs tell please "
        "way ok okay e g eg ie again back look looks like actually exactly kind"
        # German
        " wie ich mich mir mein meine meinen meiner man kann können muss müssen soll sollte der die das den dem "
        "des ein eine einen einem einer und oder ist sind was welche welcher welches wo warum wann zu zum zur bei "
        "auf im an mit für von vom aus nach über es nicht noch gibt es wird werden ab dass wenn bitte"
        # Italian
        " come posso il lo la le gli un una uno di del della dello dei degli delle per con che è e o mio mia miei "
        "quale quali cosa perché quando dove si non al alla allo ai nel nella nei da dal dalla sono ho devo faccio "
        "trovo ci mi ti vorrei",
    )
)
_KEEP_SHORT = frozenset({"n", "go", "js", "ts", "py", "v1", "4k", "2k", "id"})


def _table(text: str) -> dict[str, str]:
    """A term map written one line per meaning: ``word word ... = english phrase`` (an empty phrase
    drops the words); lines starting with # are comments."""
    table: dict[str, str] = {}
    for line in text.strip().splitlines():
        if not line.startswith("#"):
            words, _, english = line.partition("=")
            table.update(dict.fromkeys(words.split(), english.strip()))
    return table


# German and Italian words (lower case, as typed) -> English. A key also matches a word it starts
# when at most four letters follow (inflections). "" drops the word.
_FOREIGN = _table(
    """
# German
bild bilder bildern bildes foto = image
referenz = reference
referenzbild = reference image
generierung generieren erzeugen = generate
erstellen = create
video videos = video
animieren = animate
asynchron = async
aufgabe aufgaben auftrag = task
status = status
abfragen = poll status
abfrage = poll
bearbeiten bearbeitung = edit
hochladen = upload
datei = file
mehrere mehreren = multiple
schlüssel = key
authentifizier anmeldung = authentication
kopfzeile = header
preis preise = price
kosten kostet = cost
guthaben = balance
modell modelle = model
fehler = error
fehlercode = error status code
code codes = code
erneut wiederholen = retry
versuchen =
dauer länge = duration
sekunden = second
größe = size
auflösung = size resolution
seitenverhältnis = aspect ratio
ergebnis = result
abgeschlossen fertig = completed
fehlgeschlagen = failed
beispiel = example
verfügbar = available
verfügbarkeit = availability
# Italian
immagine immagini = image
generare genero generazione = generate
creare = create
animare = animate
asincrono asincrona = async
attività compito = task
stato = status
interrogare = poll
modificare modifica = edit
caricare caricando = upload
file = file
chiave = key
autenticazione autenticare = authentication
intestazione = header
prezzo prezzi = price
costo costa = cost
crediti credito = credits
saldo = balance
rimborso = refund
modello modelli = model
disponibili = available
errore errori = error
significa = mean
riprovare = retry
durata = duration
secondi = second
dimensione = size
risoluzione = size resolution
risultato = result
completata completato = completed
fallita = failed
esempio = example
usati = used
"""
)

# Chinese (Simplified and Traditional) -> English. "" marks function words that carry no topic.
_CJK = _table(
    """
# images, generation, video
图片 图像 圖片 圖像 照片 图 圖 = image
生成 产生 產生 制作 製作 = generate
创建 創建 = create
文生图 文生圖 = text-to-image generate
图生视频 圖生視頻 圖生影片 = image-to-video
视频 視頻 影片 短片 = video
动画 動畫 = animate
转成 轉成 =
# async, tasks, polling
异步 異步 非同步 = async
同步 = synchronous
任务 任務 = task
轮询 輪詢 = poll
状态 狀態 = status
进度 進度 = progress
结果 結果 = result
完成 = completed
失败 失敗 = failed
提交 = submit
# edits
编辑 編輯 修改 修图 = edit
上传 上傳 = upload
文件 檔案 = file
参考图 參考圖 = reference image
多张 多張 = multiple
# keys and auth
密钥 密鑰 金鑰 秘钥 = key
认证 認證 鉴权 鑒權 = authentication
授权 授權 = authorization
请求头 請求頭 标头 標頭 = header
前端 浏览器 瀏覽器 = browser
后端 後端 = server-side
服务器 伺服器 = server
保管 = keep secret
# credits and prices
价格 價格 多少钱 多少錢 收费 收費 = price
费用 費用 = cost
积分 積分 点数 點數 = credits
余额 餘額 = balance
账户 帳戶 = account
# models
模型 = model
别名 別名 = alias
# errors
错误 錯誤 报错 報錯 = error
重试 重試 = retry
超时 超時 = timeout
限流 = rate limit
# fields and shapes
字段 欄位 = field
参数 參數 = parameter
时长 時長 = duration
秒 = second
尺寸 = size
分辨率 解析度 = size resolution
宽高比 寬高比 = aspect ratio
请求 請求 = request
响应 回應 = response
返回 = return
地址 链接 鏈接 連結 网址 = url
接口 端点 端點 = endpoint
示例 範例 = example
代码 代碼 = code
取消 = cancel
种子 種子 = seed
随机 隨機 = random
查询 查詢 = check
对应 對應 =
# function words
如何 怎么 怎麼 怎样 怎樣 什么 什麼 哪个 哪個 哪些 哪里 哪裡 哪儿 为什么 為什麼 是否 可以 能否 应该 應該 =
需要 请问 請問 一个 一個 一次 多久 多少 有 是 的 了 吗 嗎 呢 吧 在 用 要 把 和 与 與 及 或 对 從 =
从 到 给 給 被 让 讓 我 你 它 们 們 会 會 能 再 后 後 时 時 里 裡 中 上 下 每 张 張 个 個 =
意思 设置 設置 放 做 =
"""
)
_CJK_MAX = max(len(key) for key in _CJK)


def stem(word: str) -> str:
    """A light English stemmer: ``authentication`` and ``authenticate`` both become ``authenticat``."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in (
        ("ations", "at"),
        ("ation", "at"),
        ("ings", ""),
        ("ing", ""),
        ("ies", "y"),
        ("ed", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if (word.endswith("es") and word[-3:-2] in ("s", "x")) or word.endswith(("ches", "shes")):
            word = word[:-2]
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] in "lt":
        word = word[:-1]  # polling -> poll, not polll; submitted -> submit
    return word


# English words that mean the same thing in these docs, by stem: one term for both sides (a
# question's "picture" finds the docs' "image"). Words the docs use in a precise sense stay apart
# ("done" is a wrong task status, not "completed").
_SAME: dict[str, str] = {
    "pictur": "imag",
    "photo": "imag",
    "pic": "imag",
    "clip": "video",
    "movy": "video",
    "mp4": "video",
    "job": "task",
    "asynchronous": "async",
    "asynchronously": "async",
    "finish": "complet",
    "link": "url",
    "stat": "status",
    "tim": "timeout",  # "timed out"
}


def _english(part: str) -> list[str]:
    if part in _STOPWORDS or (len(part) < 2 and part not in _KEEP_SHORT):
        return []
    term = stem(part)
    return [_SAME.get(term, term)]


def _english_terms(phrase: str) -> tuple[str, ...]:
    """An English phrase of the term maps as search terms (computed once, at import)."""
    terms: list[str] = []
    for match in _TOKEN.finditer(phrase):
        word = match.group(0)
        parts = [p for p in _PARTS.split(word) if p]
        if len(parts) > 1:
            terms.append(word)
        for part in parts:
            terms.extend(_english(part))
    return tuple(terms)


_FOREIGN_TERMS = {word: _english_terms(phrase) for word, phrase in _FOREIGN.items()}
_CJK_TERMS = {word: _english_terms(phrase) for word, phrase in _CJK.items()}


def _known(part: str) -> tuple[str, ...] | None:
    """A German or Italian word as the map has it, or inflected: the longest known prefix with at
    most four letters after it (``asynchronen`` -> ``asynchron``)."""
    if part in _FOREIGN_TERMS:
        return _FOREIGN_TERMS[part]
    for cut in range(len(part) - 1, max(3, len(part) - 5), -1):
        if part[:cut] in _FOREIGN_TERMS:
            return _FOREIGN_TERMS[part[:cut]]
    return None


def _foreign(part: str) -> tuple[str, ...] | None:
    """The English terms of a German or Italian word, or None when the map does not know it: the
    word itself, or a compound of two known words (with or without a linking s). One split at most,
    so a word costs a bounded number of probes."""
    known = _known(part)
    if known is not None or len(part) > _MAX_WORD:
        return known
    for cut in range(4, len(part) - 3):
        head, tail = part[:cut], part[cut:]
        head_terms = _FOREIGN_TERMS.get(head) or _FOREIGN_TERMS.get(head.removesuffix("s"))
        tail_terms = _known(tail) if head_terms is not None else None
        if head_terms is not None and tail_terms is not None:
            return head_terms + tail_terms
    return None


def _han(run: str) -> Iterator[tuple[str, float]]:
    """A run of Han characters: longest-match segmentation against the term map; leftovers as
    bigrams at half weight."""
    i, leftover = 0, ""
    while i < len(run):
        for size in range(min(_CJK_MAX, len(run) - i), 0, -1):
            terms = _CJK_TERMS.get(run[i : i + size])
            if terms is not None:
                yield from _bigrams(leftover)
                leftover = ""
                for term in terms:
                    yield term, 1.0
                i += size
                break
        else:
            leftover += run[i]
            i += 1
    yield from _bigrams(leftover)


def _bigrams(text: str) -> Iterator[tuple[str, float]]:
    if len(text) == 1:
        yield text, 0.5
    for i in range(len(text) - 1):
        yield text[i : i + 2], 0.5


def analyze(text: str) -> list[tuple[str, float]]:
    """Search terms of ``text`` with their weights: whole compounds (``nano-banana-pro``,
    ``b64_json``) plus their stemmed parts, foreign words as their English terms, Chinese as
    segmented terms (weight 1) and unknown bigrams (weight 0.5)."""
    terms: list[tuple[str, float]] = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group(0)
        if word[0] >= "\u3400" and _is_han(word[0]):
            terms.extend(_han(word))
            continue
        parts = [p for p in _PARTS.split(word) if p]
        if len(parts) > 1:
            terms.append((word, 1.0))
        for part in parts:
            # English words are only looked up as foreign words when long (German compounds):
            # a short English word must not be read as the prefix of a German one.
            foreign = part in _FOREIGN_TERMS or not part.isascii() or len(part) >= 8
            mapped = _foreign(part) if foreign and part not in _STOPWORDS else None
            if mapped is not None:
                terms.extend((term, 1.0) for term in mapped)
            elif part.isascii():
                terms.extend((term, 1.0) for term in _english(part))
            elif part not in _STOPWORDS:
                terms.append((part, 1.0))  # an unknown accented word: kept whole, it matches nothing
    return terms


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u4dbf" or "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def has_han(text: str) -> bool:
    """Whether ``text`` has Chinese characters."""
    return any(_is_han(char) for char in text)


def tokenize(text: str) -> list[str]:
    """The search terms of ``text`` (see ``analyze``), without weights."""
    return [term for term, _ in analyze(text)]


# Query expansion, one group a line: the first word (a stemmed term) also searches for the others,
# at half weight.
_SYNONYM_GROUPS = """
video veo wan animat image-to-video input_image clip movie mp4
animat video image-to-video input_image motion
edit multipart edits image upload form-data reference
upload multipart edit file image
file upload multipart
multipart edit upload form-data
poll task status tasks progress backoff
task poll status async
status task poll complet fail
wait poll task status
done complet result
key authenticat bearer authorization token
auth authenticat bearer key authorization
authenticat bearer key authorization
token bearer key
secret key server-side
price credit pric cost
pric credit cost
cost credit pric
credit pric cost
charg credit bill
pay credit 402
error status retry fail
retry backoff 429 error timeout
429 rate limit retry backoff
rate 429 limit
limit 429 rate
402 credit payment
401 key authenticat bearer
404 not found
length duration second
long duration
second duration
base64 b64_json response_format
url data[0].url
model catalog models
size resolution aspect
resolution size
aspect size 16:9
ratio size 16:9
async task /v1/async
mistak wrong rule
wrong mistak rule
generat generations
nano banana gemini
many number n
number n
come respons return
return respons
asynchronous async
asynchronously async
background async
often interval poll
interval poll wait delay
deadline timeout
timeout deadline retry re-post
leak revok key
repo repository
github repository
resubmit retry re-post submit
list model catalog /v1/models
schedul backoff
field paramet
paramet field
header authorization bearer
"""


def _expansions() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for line in _SYNONYM_GROUPS.strip().splitlines():
        head, *rest = line.split()
        terms = table.setdefault(head, [])
        for word in rest:
            for term in tokenize(word) or [word]:
                if term != head and term not in terms:
                    terms.append(term)
    return {head: tuple(terms) for head, terms in table.items()}


SYNONYMS = _expansions()
"""A search term -> the terms a question using it also searches for, at a lower weight."""
