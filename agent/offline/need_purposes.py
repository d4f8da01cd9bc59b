"""What people need things for, in plain English, and the kinds of product that serve each need.

General knowledge, like a small thesaurus, written for no store in particular: "so my bike doesn't get nicked" is
about theft and locks serve it; "I ride home in the dark" is about seeing at night and lights serve it; "my knees
hurt on the way down" is about descents and poles serve it. Which of those kinds a store sells, and under which of
its categories, is read from the store's own catalog (`need_profile`), never written here.

Each purpose has a cue (a pattern over the shopper's normalised sentence), the kinds of product that serve it (most
typical first, singular nouns) and qualities: words a product's own text uses when it serves the purpose better
("insulat" for a hot drink, any word that starts so). Purposes are read in the order below, the specific before the
general, and the words one purpose's cue took are not read again: in "cold at night in my tent" the night is about
keeping warm, not about seeing in the dark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Purpose:
    name: str
    cue: re.Pattern[str]
    kinds: tuple[str, ...]
    qualities: tuple[str, ...] = ()


@dataclass(frozen=True)
class NeedReading:
    """The purposes a sentence states, and the words of the sentence their cues took."""

    purposes: tuple[Purpose, ...]
    cue_words: frozenset[str]
    spans: tuple[tuple[int, int], ...] = ()  # where in the sentence each purpose was first said

    def apart(self, first: Purpose, second: Purpose, text: str) -> bool:
        """Whether two purposes are said as two needs ("see at night and stay warm"), not one ("my feet get wet")."""
        a, b = self.spans[self.purposes.index(first)], self.spans[self.purposes.index(second)]
        between = text[min(a[1], b[1]):max(a[0], b[0])]
        return bool(re.search(r"\b(and|also|plus|as well as|then)\b|,", between))

    def only(self, purpose: Purpose) -> NeedReading:
        return NeedReading((purpose,), self.cue_words, (self.spans[self.purposes.index(purpose)],))


def _p(name: str, cue: str, kinds: str, qualities: str = "") -> Purpose:
    return Purpose(name, re.compile(cue), tuple(k.strip() for k in kinds.split(",")),
                   tuple(q.strip() for q in qualities.split(",") if q.strip()))


_DRINK = r"(?:coffee|tea|cocoa|chocolate|drinks?|soup|water|brew|cuppa)"
_COLD = r"(?:cold|chilly|chilled|freez\w*|frozen|numb|icy|frost\w*)"
_STUFF = (r"(?:stuff|gear|things|kit|belongings|luggage|laptop|computer|clothes|shopping|groceries|everything|"
          r"supplies|camera|books|papers|work things|change of clothes|lunch|essentials|tools|phone|wallet|passport|"
          r"valuables|electronics|documents)")
_CARRIERS = "backpack, pack, rucksack, pannier, daypack, bag, duffel, basket, rack"
_CARRIED = "litre, capacity, storage, load, commut, touring, multi-day"
_MY = r"(?:(?:my|our|the|his|her|their|some|all|all my|all our|all the|a|an) )?"

PURPOSES: tuple[Purpose, ...] = (
    _p("keeping a drink hot or cold",
       rf"\b(keep\w*|stay\w*)\b(?: [\w']+){{0,4}} {_DRINK}\b(?: [\w']+){{0,3}} (hot|warm|cold|cool|chilled|iced)\b|"
       rf"\b(hot|warm|iced|cold) {_DRINK}\b(?: [\w']+){{0,3}} (on the (go|ride|road|trail|move)|all day|for hours)|"
       rf"\b{_DRINK}\b(?: [\w']+){{0,2}} (goes|gets|going|getting|turns|is) (cold|warm|lukewarm|tepid)\b|"
       rf"\b(thermos|flask)\b",
       "thermos, flask, insulated bottle, vacuum bottle, insulated mug, tumbler, mug, bottle",
       "insulat, vacuum, thermal, double-wall, hot"),
    _p("keeping food cold",
       r"\b(keep\w*|stay\w*)\b(?: [\w']+){0,4} (food|drinks|beers?|cans|milk|meat|groceries|lunch)\b(?: [\w']+){0,3} "
       r"(cold|cool|chilled|fresh)\b|\b(cool ?box|cooler|ice ?box|fridge)\b",
       "cooler, cool box, cool bag, ice box, fridge", "insulat, cooler, ice"),
    _p("clean water to drink",
       r"\b(purif\w*|filter\w*|safe to drink|drinkable|clean water|stream water|river water|lake water|"
       r"from (the |a )?(streams?|rivers?|lakes?|creeks?)|tap water|treat\w* (the )?water|giardia|bacteria)\b",
       "water filter, filter, purifier, filter bottle", "filter, purif, uv, microfilter, steriliz"),
    # "carry a lot of water and snacks", "lug my lunch and a rain jacket": several things carried need something
    # that carries them all, not one of the things carried (read before any one thing's own purpose)
    _p("carrying your things",
       r"\b(carry\w*|haul\w*|lug\w*|transport\w*|tote)\b(?: [\w']+){1,4} (and|plus|as well as)(?: [\w']+){1,3}",
       _CARRIERS, _CARRIED),
    _p("drinking on the go",
       r"\b(hydrat\w*|thirst\w*|dehydrat\w*|sip(s|ping)?|"
       r"(carry\w*|bring\w*|take|hold\w*)(?: [\w']+){0,4} (water|drinks?)|"
       r"water (on|for) (the |my |long |hot )?(ride|rides|run|runs|hike|hikes|walk|walks|trail|road|go|move)|"
       r"something to drink (from|out of))\b",
       "bottle, bidon, water bottle, flask, hydration pack, bladder, reservoir, canteen",
       "hydration, water, litre, leak"),
    _p("keeping things dry",
       rf"\b{_STUFF}\b(?: [\w']+){{0,9}} (dry|wet|soaked|soggy|damp)\b|"
       rf"\b(dry|waterproof|rain ?proof)\b(?: [\w']+){{0,3}} {_STUFF}\b",
       "dry bag, backpack, pack, pannier, rucksack, bag, case, cover",
       "waterproof, roll-top, dry, welded, rain-cover"),
    _p("carrying your things",
       rf"\b(carry\w*|haul\w*|lug\w*|bring\w*|transport\w*|take|taking|tote|cart)\b(?: [\w']+){{0,5}} {_STUFF}\b|"
       rf"\b{_STUFF}\b(?: [\w']+){{0,3}} (carry\w*|with me|on (the|my) (bike|back))\b|"
       rf"\b(get|getting)(?: [\w']+){{0,2}} {_STUFF} (to|into)\b|"
       r"\b(luggage|cargo|bikepacking)\b|\bcarry\w* (all|everything)\b",
       _CARRIERS, _CARRIED),
    _p("cold hands",
       rf"\b(hands?|fingers?)\b(?: [\w']+){{0,3}} {_COLD}|{_COLD}(?: [\w']+){{0,2}} (hands?|fingers?)\b",
       "glove, mitten, mitt, hand warmer, pogie", "insulat, thermal, windproof, warm"),
    _p("keeping warm at night",
       rf"{_COLD}(?: [\w']+){{0,5}} (night|nights|sleep\w*|bed|overnight)\b|"
       rf"\b(night|nights|sleep\w*|overnight)\b(?: [\w']+){{0,5}} {_COLD}|"
       r"\b(warm|cosy|cozy|comfortable|comfy)\b(?: [\w']+){0,3} (night|nights|sleep\w*)\b|"
       r"\bsleep\w* (warm|cold)\b",
       "sleeping bag, quilt, sleeping pad, sleeping mat, mat, liner, blanket",
       "warm, insulat, winter, comfort, thermal"),
    _p("somewhere to sleep",
       r"\b(somewhere|place|spot|roof)( \w+)? (to|for) (sleep\w*|stay\w*|spend the night|camp\w*|crash|shelter)\b|"
       r"\b(spend|spending) the night\b|\bsleep\w* (outside|outdoors|out|under the stars|in the (woods|wild))\b|"
       r"\b(shelter|roof over)\b",
       "tent, shelter, bivy, hammock, tarp, sleeping bag",
       "family, waterproof, weather, storm"),
    _p("sleeping",
       r"\b(sleep\w*|nap\w*|bed|doze)\b",
       "sleeping bag, quilt, sleeping pad, mat, tent, hammock, pillow",
       "comfort, warm"),
    _p("being seen",
       r"\b(see me|be seen|being seen|get seen|notice me|spot me|visib\w*|hi[- ]?vis\w*|high[- ]?vis\w*|conspicuous)\b",
       "light, rear light, lamp, reflector, vest, beacon", "rear, reflective, flash, visib, hi-vis"),
    _p("seeing where you go in the dark",
       r"\b(see|find) (where|what|my way|the (path|trail|road|way))\b|\b(can'?t|cannot|couldn'?t) see\b|"
       r"\b(after|at|before) (sunset|sundown|dusk|dark)\b|"
       r"\b(dark|darkness|pitch black|after dusk|before dawn|at night|night ?time|nightfall|night (rides?|riding|"
       r"hikes?|hiking|walks?|runs?|running))\b|"
       r"\b(lighting|light up|illuminat\w*|read by|reading (in|at))\b|\bpower cuts?\b",
       "light, lamp, headlamp, head torch, torch, flashlight, lantern",
       "bright, lumen, beam, front"),
    _p("protecting your head",
       r"\b(head|skull|brain|concussion)\b(?! ?(torch|lamp|light))|\b(crash\w*|fall\w* off|come off|coming off)\b",
       "helmet, hard hat", "mips, protect, impact"),
    _p("keeping things safe from thieves",
       r"\b(stol\w*|steal\w*|theft|thie(f|ves)|nick\w*|pinch\w*|swipe\w*|nabbed|lock\w* (it|up)|secur\w*|"
       r"break[- ]?ins?|(someone|somebody|people|anyone)(?: [\w']+){0,2} (take|taking|took|run off with|walk off with)|"
       r"(keep|leave|leaving)\w* (my |our |the )?(bike|bicycle|car|stuff|things|valuables|gear|"
       r"belongings|kit|scooter|shed)(?: [\w']+){0,3} (safe|secure|outside|unattended))\b",
       "lock, u-lock, chain lock, padlock, chain, cable lock, alarm",
       "security, secur, hardened, steel"),
    _p("flat tyres",
       r"\b(flats|flat tyres?|flat tires?|punctur\w*|soft tyres?|soft tires?|(tyres?|tires?)(?: [\w']+){0,3} "
       r"(soft|flat|low|going down|deflat\w*|los\w* air|leak\w*)|pressure|inflat\w*|pump (them |it )?up|air in|"
       r"(los\w*|leak\w*) air|slow leak)\b",
       "pump, inflator, floor pump, mini pump, inner tube, tube, patch, repair kit, sealant, tyre, tire",
       "punctur, inflat, repair, pressure, sealant, tubeless"),
    _p("easier knees and steadier steps on hills",
       r"\b(knees?|joints?|downhills?|down ?hills?|descen\w*|on the way down|going down|balance|steep\w*|"
       r"uphills?|stability|hips?)\b",
       "trekking pole, pole, walking pole, hiking pole, walking stick, knee brace, knee support",
       "anti-shock, shock, grip, adjustable"),
    _p("your feet and ankles",
       r"\b(feet|foot|toes?|ankles?|blisters?|heels?|arch(es)?|soles?)\b",
       "boot, hiking boot, shoe, trail runner, sock, insole, gaiter",
       "ankle, support, waterproof, cushion, grip"),
    _p("staying dry in the rain",
       r"\b(rain(s|y|ing|ed)?|pour(s|ing|ed)?|downpours?|drizzl\w*|showers?|storm(s|y)?|wet|soaked|drenched|damp|"
       r"keep\w* (me |us )?dry|stay\w* dry)\b",
       "rain jacket, jacket, raincoat, shell, poncho, cape, umbrella, cover",
       "waterproof, rain, breathable, hood"),
    _p("cooking",
       r"\b(cook\w*|boil\w*|heat\w* (up )?(water|food|soup|meals?|dinner)|hot (meals?|food|dinner|lunch|breakfast)|"
       r"dinner|breakfast|meals?|fry\w*|simmer\w*|grill\w*|make (a |some )?(cup of |brew of )?(tea|coffee|cuppa)|"
       r"cup of (tea|coffee)|brew\w*)\b",
       "stove, burner, cooker, kettle, cooking system, grill, pot, pan, cook kit",
       "boil, cook, simmer, kitchen, fuel"),
    _p("somewhere to sit",
       r"\b(sit|sitting|seat|seating|rest my legs|put my feet up|take a load off|off the (wet |cold )?ground|"
       r"lounge|relax\w*)\b",
       "chair, stool, seat, bench, sit pad", "comfort, fold, padded"),
    _p("keeping warm",
       rf"{_COLD}|\b(warm|warmth|winter|shiver\w*)\b",
       "jacket, insulated jacket, fleece, sweater, base layer, hat, beanie, warmer",
       "insulat, warm, thermal, winter, fleece"),
    _p("the sun",
       r"\b(sun|sunny|sunburn\w*|glare|shade|heat ?stroke|uv rays)\b",
       "sunglasses, sun hat, hat, cap, sunscreen, shade, sun shelter", "uv, sun, shade, upf"),
    _p("keeping bugs away",
       r"\b(bugs?|insects?|mosquito\w*|midges?|ticks?|flies|bites?|bitten)\b",
       "insect repellent, repellent, bug net, head net, net", "repel, mesh, net"),
    _p("finding the way",
       r"\b(get(ting)? lost|navigat\w*|find my way|way back|which way)\b",
       "compass, gps, map, watch", "navigat, gps"),
    _p("first aid",
       r"\b(first aid|injur\w*|cuts|bandage\w*|wounds?|emergenc\w*)\b",
       "first aid kit, bandage, plaster", "emergency, aid"),
    _p("keeping things charged",
       r"\b(charg\w*|batter(y|ies)(?: [\w']+){0,2} (dies|died|dead|runs? out|flat|drains?)|"
       r"phone (is |goes )?(dead|flat)|power bank)\b",
       "power bank, charger, solar panel, battery pack", "charg, usb, solar"),
)


def read_needs(text: str) -> NeedReading:
    """The purposes a normalised sentence states, specific first; each part of the sentence feeds one purpose."""
    taken: list[tuple[int, int]] = []
    found: dict[Purpose, tuple[int, int]] = {}
    words: set[str] = set()
    for purpose in PURPOSES:
        for match in purpose.cue.finditer(text):
            start, end = match.span()
            if start == end or any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            words.update(re.findall(r"[a-z0-9']+", match.group(0)))
            found.setdefault(purpose, (start, end))
    return NeedReading(tuple(found), frozenset(words), tuple(found.values()))
