"""The recogniser's grammar: what a shopper can be expected to say at this store, as JSGF for pocketsphinx.

:func:`build_grammar` builds it from the catalog's categories, brands and product names (:class:`ShoppingVocabulary`)
and the command phrases (cart, questions, greetings, thanks, yes/no, "start over", "help", "say that again").
Every word must have a pronunciation: words the dictionary lacks get one derived or generated
(:func:`audio.lexicon.pronounce`); the few that still cannot be pronounced are dropped from their phrase and logged
(``GrammarBuild.dropped_words``). :class:`GrammarMatcher` tells whether a text is a complete sentence of the grammar
(for ending a turn early when it is).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from audio.lexicon import NUMBER_WORDS, DictionaryLexicon, Lexicon, normalize_words, pronounce

log = logging.getLogger("aisle.audio.grammar")

PLACEHOLDERS = {"{number}": "<number>", "{ordinal}": "<ordinal>", "{item}": "<item>", "{price}": "<price>"}

DEFAULT_COMMAND_PHRASES: tuple[str, ...] = (
    "add {number} of those to my cart",
    "add {number} of them to my cart",
    "add {number} of the {ordinal} one to my cart",
    "add {number} to my cart",
    "add the {ordinal} one to my cart",
    "add the {ordinal} one",
    "add it to my cart",
    "add that to my cart",
    "add this to my cart",
    "add those to my cart",
    "add {item} to my cart",
    "add the {item} to my cart",
    "add {number} {item} to my cart",
    "remove the {ordinal} one",
    "remove the {ordinal} one from my cart",
    "remove it from my cart",
    "remove that from my cart",
    "remove {item} from my cart",
    "remove the {item} from my cart",
    "what's in my cart",
    "what is in my cart",
    "show me my cart",
    "show my cart",
    "empty my cart",
    "tell me more about the {ordinal} one",
    "tell me more about that one",
    "tell me more about {item}",
    "tell me more about the {item}",
    "tell me more",
    "more about the {ordinal} one",
    "how much is the {ordinal} one",
    "how much is it",
    "how much is that",
    "is the {ordinal} one in stock",
    "is it in stock",
    "where can i find it",
    "compare the {ordinal} and the {ordinal} one",
    "which one is cheaper",
    "which one is better",
    "what do you recommend",
    "show me more",
    "show me the {ordinal} one",
    "show me something cheaper",
    "the {ordinal} one",
    "check out",
    "i want to check out",
    "i'm ready to check out",
    "start over",
    "go back",
    "cancel",
    "never mind",
    "stop",
    "help",
    "yes",
    "yes please",
    "yeah",
    "sure",
    "okay",
    "no",
    "no thanks",
    "no thank you",
    "nope",
    "thank you",
    "thanks",
    "thank you very much",
    "thanks a lot",
    "hello",
    "hello there",
    "hi",
    "hi there",
    "hey",
    "hey there",
    "good morning",
    "good afternoon",
    "good evening",
    "start again",
    "help me",
    "can you help me",
    "what can you do",
    "say that again",
    "say it again",
    "can you say that again",
    "could you say that again",
    "repeat that",
    "please repeat that",
    "what did you say",
    "pardon",
    "goodbye",
    "bye",
    "that's all",
)

SEARCH_LEADS: tuple[str, ...] = (
    "show me", "find", "find me", "search for", "i want", "i need", "i'm looking for", "i am looking for",
    "looking for", "do you have", "i'd like", "i would like", "get me", "what about", "how about",
)

# Before an item: "a tent", "some poles", "any headlamps" ("do you have any" is a lead plus this).
DETERMINERS: tuple[str, ...] = ("a", "an", "some", "any", "the")

PRICE_OPERATORS: tuple[str, ...] = (
    "under", "below", "less than", "over", "above", "more than", "around", "about", "up to", "cheaper than",
    "at most", "at least", "no more than", "for",
)


@dataclass
class ShoppingVocabulary:
    """What the kiosk can expect to hear. Phrases may use ``{number}``, ``{ordinal}``, ``{item}``, ``{price}``."""

    categories: Sequence[str] = ()
    brands: Sequence[str] = ()
    product_names: Sequence[str] = ()
    command_phrases: Sequence[str] = ()
    include_default_commands: bool = True


@dataclass
class GrammarBuild:
    """The result of building a grammar: the JSGF text and what had to be changed to fit the dictionary."""

    jsgf: str
    dropped_words: list[str] = field(default_factory=list)
    added_words: dict[str, str] = field(default_factory=dict)  # word -> phones, derived from known words
    dropped_phrases: list[str] = field(default_factory=list)


class _WordFilter:
    def __init__(self, lexicon: Lexicon, build: GrammarBuild) -> None:
        self.lexicon = lexicon
        self.build = build
        self._known: dict[str, bool] = {}

    def ok(self, word: str) -> bool:
        if word in self._known:
            return self._known[word]
        known = self.lexicon.lookup(word) is not None
        if not known:
            phones = pronounce(word, self.lexicon)
            if phones:
                self.build.added_words[word] = phones
                known = True
            else:
                self.build.dropped_words.append(word)
        self._known[word] = known
        return known

    def phrase(self, text: str) -> str | None:
        """A JSGF alternative for ``text`` (placeholders kept), or None when no word survives."""
        pieces: list[str] = []
        content = 0  # surviving words that are not number words or placeholders
        lost = 0
        for chunk in re.split(r"(\{[a-z]+\})", text):
            if chunk in PLACEHOLDERS:
                pieces.append(PLACEHOLDERS[chunk])
                content += 1
                continue
            for w in normalize_words(chunk):
                if self.ok(w):
                    pieces.append(w)
                    content += w not in NUMBER_WORDS
                else:
                    lost += 1
        if not pieces or content == 0 or lost > content:
            self.build.dropped_phrases.append(text)
            return None
        return " ".join(pieces)


def _alternatives(items: Iterable[str | None]) -> str:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return " | ".join(seen) if seen else "<VOID>"


_NUMBER_RULES = """\
<digit> = one | two | three | four | five | six | seven | eight | nine;
<teen> = ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen;
<tens> = twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety;
<below100> = <digit> | <teen> | <tens> [<digit>];
<below1000> = <below100> | (<digit> | a) hundred [[and] <below100>];
<number> = zero | <below1000> | (one | a) thousand;
<ordinal> = first | second | third | fourth | fifth | sixth | seventh | eighth | ninth | tenth | last | next;
<currency> = dollars | dollar | bucks;
"""


def build_grammar(vocabulary: ShoppingVocabulary, lexicon: Lexicon | None = None) -> GrammarBuild:
    """Build the JSGF grammar and report which words were dropped or derived."""
    lex: Lexicon = lexicon if lexicon is not None else DictionaryLexicon()
    build = GrammarBuild(jsgf="")
    wf = _WordFilter(lex, build)
    categories = _alternatives(wf.phrase(c) for c in vocabulary.categories)
    brands = _alternatives(wf.phrase(b) for b in vocabulary.brands)
    products = _alternatives(wf.phrase(p) for p in vocabulary.product_names)
    phrases = list(vocabulary.command_phrases)
    if vocabulary.include_default_commands:
        phrases = list(DEFAULT_COMMAND_PHRASES) + phrases
    commands = _alternatives(wf.phrase(p) for p in phrases)
    leads = _alternatives(wf.phrase(p) for p in SEARCH_LEADS)
    operators = _alternatives(wf.phrase(p) for p in PRICE_OPERATORS)
    item_parts = []
    if products != "<VOID>":
        item_parts.append("<product>")
    if brands != "<VOID>":
        item_parts.append("<brand> [<category>]" if categories != "<VOID>" else "<brand>")
    if categories != "<VOID>":
        item_parts.append("<category>")
    item = " | ".join(item_parts) if item_parts else "<VOID>"
    jsgf = (
        "#JSGF V1.0;\n"
        "grammar aisle;\n"
        "public <utterance> = <command> | <search>;\n"
        f"<search> = [<lead>] [<det>] [<persons>] <item> [<price>] | [<lead>] (something | anything) <price>;\n"
        f"<lead> = {leads};\n"
        f"<det> = {_alternatives(wf.phrase(d) for d in DETERMINERS)};\n"
        "<persons> = <below100> person;\n"
        f"<item> = {item};\n"
        f"<category> = {categories};\n"
        f"<brand> = {brands};\n"
        f"<product> = {products};\n"
        f"<price> = <operator> <number> [<currency>] | between <number> and <number> [<currency>];\n"
        f"<operator> = {operators};\n"
        f"<command> = {commands};\n"
        + _NUMBER_RULES
    )
    build.jsgf = jsgf
    if build.dropped_words:
        log.warning("grammar: %d word(s) could not be given a pronunciation and cannot be recognised: %s",
                    len(set(build.dropped_words)), ", ".join(sorted(set(build.dropped_words))[:50]))
    if build.added_words:
        log.info("grammar: generated pronunciations for %d word(s): %s", len(build.added_words),
                 ", ".join(sorted(build.added_words)[:50]))
    return build


def build_jsgf(vocabulary: ShoppingVocabulary, lexicon: Lexicon | None = None) -> str:
    """JSGF text for ``vocabulary``; unknown words are dropped (and logged)."""
    return build_grammar(vocabulary, lexicon).jsgf


def phrases_jsgf(phrases: Iterable[str], lexicon: Lexicon | None = None) -> GrammarBuild:
    """A grammar that accepts exactly the given phrases (placeholders allowed; items need a vocabulary)."""
    lex: Lexicon = lexicon if lexicon is not None else DictionaryLexicon()
    build = GrammarBuild(jsgf="")
    wf = _WordFilter(lex, build)
    alternatives = _alternatives(wf.phrase(p) for p in phrases)
    build.jsgf = (
        "#JSGF V1.0;\ngrammar aisle;\n"
        f"public <utterance> = {alternatives};\n"
        "<item> = <VOID>;\n<price> = <VOID>;\n<det> = a | an | some | any | the;\n" + _NUMBER_RULES
    )
    return build



_RULE = re.compile(r"^\s*(?:public\s+)?<([\w.]+)>\s*=\s*(.*);\s*$")
_TOKEN = re.compile(r"<[\w.]+>|[\[\]()|]|[^\s\[\]()|<>]+")


class GrammarMatcher:
    """Whether a word sequence is a complete sentence of a JSGF grammar (the simple JSGF :func:`build_grammar`
    writes: alternatives, optional ``[...]``, groups ``(...)``, rule references, no recursion)."""

    def __init__(self, jsgf: str, root: str = "utterance") -> None:
        self._rules = {m.group(1): m.group(2) for m in map(_RULE.match, jsgf.splitlines()) if m}
        self._regex: dict[str, str] = {}
        self._pattern = re.compile(self._rule(root))

    def _rule(self, name: str) -> str:
        if name == "VOID":
            return "(?!)"
        if name not in self._regex:
            self._regex[name] = "(?:" + self._expansion(_TOKEN.findall(self._rules.get(name, "<VOID>"))) + ")"
        return self._regex[name]

    def _expansion(self, tokens: list[str]) -> str:
        out: list[str] = []
        for token in tokens:
            if token == "[":
                out.append("(?:")
            elif token == "]":
                out.append(")?")
            elif token == "(":
                out.append("(?:")
            elif token in (")", "|"):
                out.append(token)
            elif token.startswith("<"):
                out.append(self._rule(token[1:-1]))
            else:
                out.append(re.escape(token) + " ")
        return "".join(out)

    def complete(self, words: str) -> bool:
        """True when ``words`` (as decoded: lower case, numbers as words) is a whole sentence of the grammar."""
        text = " ".join(words.split())
        return bool(text) and self._pattern.fullmatch(text + " ") is not None
