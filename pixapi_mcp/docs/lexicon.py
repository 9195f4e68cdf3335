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

# German and Italian words (lower case, as typed) -> English. A key also matches a word it starts
# when at most four letters follow (inflections). "" drops the word.
_FOREIGN: dict[str, str] = {
    # German
    "bild": "image",
    "bilder": "image",
    "bildern": "image",
    "bildes": "image",
    "foto": "image",
    "referenz": "reference",
    "referenzbild": "reference image",
    "generierung": "generate",
    "generieren": "generate",
    "erzeugen": "generate",
    "erstellen": "create",
    "video": "video",
    "videos": "video",
    "animieren": "animate",
    "asynchron": "async",
    "aufgabe": "task",
    "aufgaben": "task",
    "auftrag": "task",
    "status": "status",
    "abfragen": "poll status",
    "abfrage": "poll",
    "bearbeiten": "edit",
    "bearbeitung": "edit",
    "hochladen": "upload",
    "datei": "file",
    "mehrere": "multiple",
    "mehreren": "multiple",
    "schlüssel": "key",
    "authentifizier": "authentication",
    "anmeldung": "authentication",
    "kopfzeile": "header",
    "preis": "price",
    "preise": "price",
    "kosten": "cost",
    "kostet": "cost",
    "guthaben": "balance",
    "modell": "model",
    "modelle": "model",
    "fehler": "error",
    "fehlercode": "error status code",
    "code": "code",
    "codes": "code",
    "erneut": "retry",
    "versuchen": "",
    "wiederholen": "retry",
    "dauer": "duration",
    "länge": "duration",
    "sekunden": "second",
    "größe": "size",
    "auflösung": "size resolution",
    "seitenverhältnis": "aspect ratio",
    "ergebnis": "result",
    "abgeschlossen": "completed",
    "fertig": "completed",
    "fehlgeschlagen": "failed",
    "beispiel": "example",
    "verfügbar": "available",
    "verfügbarkeit": "availability",
    # Italian
    "immagine": "image",
    "immagini": "image",
    "generare": "generate",
    "genero": "generate",
    "generazione": "generate",
    "creare": "create",
    "animare": "animate",
    "asincrono": "async",
    "asincrona": "async",
    "attività": "task",
    "compito": "task",
    "stato": "status",
    "interrogare": "poll",
    "modificare": "edit",
    "modifica": "edit",
    "caricare": "upload",
    "caricando": "upload",
    "file": "file",
    "chiave": "key",
    "autenticazione": "authentication",
    "autenticare": "authentication",
    "intestazione": "header",
    "prezzo": "price",
    "prezzi": "price",
    "costo": "cost",
    "costa": "cost",
    "crediti": "credits",
    "credito": "credits",
    "saldo": "balance",
    "rimborso": "refund",
    "modello": "model",
    "modelli": "model",
    "disponibili": "available",
    "errore": "error",
    "errori": "error",
    "significa": "mean",
    "riprovare": "retry",
    "durata": "duration",
    "secondi": "second",
    "dimensione": "size",
    "risoluzione": "size resolution",
    "risultato": "result",
    "completata": "completed",
    "completato": "completed",
    "fallita": "failed",
    "esempio": "example",
    "usati": "used",
}

# Chinese (Simplified and Traditional) -> English. "" marks function words that carry no topic.
_CJK: dict[str, str] = {
    # images, generation, video
    "图片": "image",
    "图像": "image",
    "圖片": "image",
    "圖像": "image",
    "照片": "image",
    "图": "image",
    "圖": "image",
    "生成": "generate",
    "产生": "generate",
    "產生": "generate",
    "制作": "generate",
    "製作": "generate",
    "创建": "create",
    "創建": "create",
    "文生图": "text-to-image generate",
    "文生圖": "text-to-image generate",
    "图生视频": "image-to-video",
    "圖生視頻": "image-to-video",
    "圖生影片": "image-to-video",
    "视频": "video",
    "視頻": "video",
    "影片": "video",
    "短片": "video",
    "动画": "animate",
    "動畫": "animate",
    "转成": "",
    "轉成": "",
    # async, tasks, polling
    "异步": "async",
    "異步": "async",
    "非同步": "async",
    "同步": "synchronous",
    "任务": "task",
    "任務": "task",
    "轮询": "poll",
    "輪詢": "poll",
    "状态": "status",
    "狀態": "status",
    "进度": "progress",
    "進度": "progress",
    "结果": "result",
    "結果": "result",
    "完成": "completed",
    "失败": "failed",
    "失敗": "failed",
    "提交": "submit",
    # edits
    "编辑": "edit",
    "編輯": "edit",
    "修改": "edit",
    "修图": "edit",
    "上传": "upload",
    "上傳": "upload",
    "文件": "file",
    "檔案": "file",
    "参考图": "reference image",
    "參考圖": "reference image",
    "多张": "multiple",
    "多張": "multiple",
    # keys and auth
    "密钥": "key",
    "密鑰": "key",
    "金鑰": "key",
    "秘钥": "key",
    "认证": "authentication",
    "認證": "authentication",
    "鉴权": "authentication",
    "鑒權": "authentication",
    "授权": "authorization",
    "授權": "authorization",
    "请求头": "header",
    "請求頭": "header",
    "标头": "header",
    "標頭": "header",
    "前端": "browser",
    "浏览器": "browser",
    "瀏覽器": "browser",
    "后端": "server-side",
    "後端": "server-side",
    "服务器": "server",
    "伺服器": "server",
    "保管": "keep secret",
    # credits and prices
    "价格": "price",
    "價格": "price",
    "多少钱": "price",
    "多少錢": "price",
    "费用": "cost",
    "費用": "cost",
    "收费": "price",
    "收費": "price",
    "积分": "credits",
    "積分": "credits",
    "点数": "credits",
    "點數": "credits",
    "余额": "balance",
    "餘額": "balance",
    "账户": "account",
    "帳戶": "account",
    # models
    "模型": "model",
    "别名": "alias",
    "別名": "alias",
    # errors
    "错误": "error",
    "錯誤": "error",
    "报错": "error",
    "報錯": "error",
    "重试": "retry",
    "重試": "retry",
    "超时": "timeout",
    "超時": "timeout",
    "限流": "rate limit",
    # fields and shapes
    "字段": "field",
    "欄位": "field",
    "参数": "parameter",
    "參數": "parameter",
    "时长": "duration",
    "時長": "duration",
    "秒": "second",
    "尺寸": "size",
    "分辨率": "size resolution",
    "解析度": "size resolution",
    "宽高比": "aspect ratio",
    "寬高比": "aspect ratio",
    "请求": "request",
    "請求": "request",
    "响应": "response",
    "回應": "response",
    "返回": "return",
    "地址": "url",
    "链接": "url",
    "鏈接": "url",
    "連結": "url",
    "网址": "url",
    "接口": "endpoint",
    "端点": "endpoint",
    "端點": "endpoint",
    "示例": "example",
    "範例": "example",
    "代码": "code",
    "代碼": "code",
    "取消": "cancel",
    "种子": "seed",
    "種子": "seed",
    "随机": "random",
    "隨機": "random",
    "查询": "check",
    "查詢": "check",
    "对应": "",
    "對應": "",
    # function words
    **dict.fromkeys(
        [
            "如何",
            "怎么",
            "怎麼",
            "怎样",
            "怎樣",
            "什么",
            "什麼",
            "哪个",
            "哪個",
            "哪些",
            "哪里",
            "哪裡",
            "哪儿",
            "为什么",
            "為什麼",
            "是否",
            "可以",
            "能否",
            "应该",
            "應該",
            "需要",
            "请问",
            "請問",
            "一个",
            "一個",
            "一次",
            "多久",
            "多少",
            "有",
            "是",
            "的",
            "了",
            "吗",
            "嗎",
            "呢",
            "吧",
            "在",
            "用",
            "要",
            "把",
            "和",
            "与",
            "與",
            "及",
            "或",
            "对",
            "從",
            "从",
            "到",
            "给",
            "給",
            "被",
            "让",
            "讓",
            "我",
            "你",
            "它",
            "们",
            "們",
            "会",
            "會",
            "能",
            "再",
            "后",
            "後",
            "时",
            "時",
            "里",
            "裡",
            "中",
            "上",
            "下",
            "每",
            "张",
            "張",
            "个",
            "個",
            "意思",
            "设置",
            "設置",
            "放",
            "做",
            "吗？",
        ],
        "",
    ),
}
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


def _foreign(part: str) -> tuple[str, ...] | None:
    """The English terms of a German or Italian word, or None when the map does not know it."""
    if part in _FOREIGN_TERMS:
        return _FOREIGN_TERMS[part]
    if len(part) > _MAX_WORD:
        return None
    # An inflected form: the longest known prefix with at most four letters after it.
    for cut in range(len(part) - 1, max(3, len(part) - 5), -1):
        if part[:cut] in _FOREIGN_TERMS:
            return _FOREIGN_TERMS[part[:cut]]
    # A compound of two known words (German), with or without a linking s.
    for cut in range(4, len(part) - 3):
        head, tail = part[:cut], part[cut:]
        head_terms = _FOREIGN_TERMS.get(head) or _FOREIGN_TERMS.get(head.removesuffix("s"))
        if head_terms is not None:
            tail_terms = _foreign(tail) if len(tail) < len(part) else None
            if tail_terms is not None:
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
