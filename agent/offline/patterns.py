"""The words and phrasings the offline agent reads requests with: intents, ordinals, question topics, measures,
and the filler words that carry no product meaning. Data, kept apart from the reading logic in `understanding`."""

from __future__ import annotations

import re

from agent.offline.slots import UNIT_WORDS

ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4,
    "sixth": 5, "6th": 5, "seventh": 6, "7th": 6, "eighth": 7, "8th": 7, "ninth": 8, "9th": 8, "tenth": 9,
    "10th": 9, "last": -1,
}
_P = {
    "start_over": r"\b(start (over|again|afresh|from scratch)|reset|clear everything|begin again|new shopper|"
                  r"forget (it all|everything))\b",
    "clear_cart": r"\b(empty|clear)( out)? (my |the )?(cart|basket)\b|\b(remove|delete|take out|drop) "
                  r"(everything|all( of)? (it|them|the items|items))\b",
    "help": r"\b(help|what can you do|how does (this|it) work|what do you (do|sell|have|carry)|what can i (ask|say)|"
            r"who are you)\b",
    "checkout": r"\b(check ?out|pay( now| for (it|this|that|everything))?|place (the |my |an )?order|that'?s all|"
                r"that is all|i'?m done|i am done|ready to (buy|pay|order)|complete (the |my )?(order|purchase)|"
                r"finish( up)?)\b",
    "yes": r"^(yes|yeah|yea|yep|yup|sure|correct|confirm(ed)?|ok(ay)?|that'?s right|right|go ahead|please do|do it|"
           r"place it|sounds good|perfect|absolutely|of course|definitely|please)\b",
    "no": r"^(no|nope|not yet|not now|wait|cancel|hold on|stop|nah|never ?mind|don'?t)\b",
    "remove": r"\b(remove|delete|take (\w+ ){0,4}?(out|off)|drop|get rid of|don'?t (want|need)|do not (want|need)|"
              r"no longer (want|need)|put (\w+ ){0,4}?back)\b",
    "set_quantity": r"\b(change|make (it|that|them|this|those)|set|update|reduce|increase)\b.*\b(\d+)\b|"
                    r"\bonly (want |need )?(\d+)\b|\b(\d+) instead\b",
    "add": r"\b(\d+ of each|add|put(?! out)|i'?ll take|i will take|i'?ll have|i'?ll get|buy|get me|grab|throw in|"
           r"i'?d like (it|that|this)|"
           r"i want (it|that|this|those|them|these|that one|this one)|take (it|that|this|those|them|these)|"
           r"i'?ll go with|i'?ll buy)\b",
    "view_cart": r"\b(cart|basket|my order|what did i (get|pick|choose)|how much do i owe|what'?s the total|"
                 r"what is the total|my total|the total|how much (is|does) (it|that|everything) (all )?(come|add)|"
                 r"(come|comes|add|adds) up to|how much (is|for|are) (all (that|this|of (it|that|this|them))|"
                 r"everything|the lot)|what do i owe)\b",
    "pairing": r"\b(goes? (well )?with|go together|accessor(y|ies)|what else (do|should|would|might) i|"
               r"pairs? (well )?with|need with|complement|to go with|with (it|that|this)\b.*\b(need|want))\b",
    "suggest": r"\b(recommend|recommendation|suggest|suggestion|advise|what'?s good|which (\w+ )?should i|"
               r"what should i (get|buy|take)|your (favorite|favourite|pick)|best)\b",
    "details": r"\b(tell me (more|about)|more about|details?|describe|specs|specifications|more info|info(rmation)? "
               r"(on|about)|learn more|what is (it|that|the)|what'?s (it|that) like)\b",
    "question": r"\b(how many [\w -]{1,40}? (have you got|do you have|have you|are (there|left))|"
                r"how (heavy|warm|light|big|long|bright|fast|quickly|much light|much (is|was|are|does|do|did|for)|"
                r"many (people|persons)|"
                r"cold)|what does (it|that|this|the [\w -]{1,40}?) weigh|(is|are) (it|that|this|they|those|the "
                r"[\w -]{1,40}?) (waterproof|warm|heavy|light|in stock|available|any good)|(does|do) (it|that|this|"
                r"they|the [\w -]{1,40}?) (sleep|fit|hold|weigh|cost|come)|what'?s the (price|weight|rating|"
                r"temperature)|(in stock|available) \?$|do you (still )?have (it|that|this|them|those|these|"
                r"that one|this one) (in stock|available))",
    "cheaper": r"\b(cheaper|less expensive|less pricey|lower price|more affordable|too expensive|too pricey|"
               r"too much|on a budget|something for less)\b",
    "smalltalk": r"\b(forecast|weather|going to rain tomorrow|directions?|how do i get (to|there)|where is the "
                 r"(toilet|restroom|bathroom|exit|entrance|nearest \w+)|bathroom|toilets?|restroom|cafe|coffee shop|"
                 r"restaurant|somewhere to eat|fix my|repair|service my|tune ?up|test ride|parking|"
                 r"where (can|do|should) i park|"
                 r"park (my|the) (car|bike)|"
                 r"price ?match|match (a |the |their )?price|loyalty|rewards? (card|points|program)|membership|"
                 r"gift ?cards?|opening hours|store hours|"
                 r"(what time|when) do you (open|close)|are you open|\b(it'?s|its|it is) (so |really |very |pretty )?"
                 r"(hot|cold|warm|nice|busy|sunny|windy)( today| out| outside| in here)?$|\b(lol|haha)\b|"
                 r"return policy|returns?\b|refund|exchange it|"
                 r"jokes?|how'?s your day|how are you|how is your day|what'?s your name|who made you|meaning of life|"
                 r"are you (a )?(robot|human|real)|sports|news|politics)",
    "more": r"\b(show (me )?(some )?more\b(?! like)|more (results|options|of (them|those|these))|any more\b(?! about)|"
            r"what else (do you have|have you got|is there)|next (page|ones|few))",
    "back": r"\b(back to|return to|go back to) (the |those |my )?",
    "compare": r"\b(which (one |of (these|those|them|the two|the \w+) )?(is|are|has|throws|gives|weighs|holds) "
               r"(the )?(lighter|heavier|cheaper|brighter|warmer|bigger|smaller|larger|more|less|most|least|best)|"
               r"difference between|differences|compare|comparison|whichever|versus|\bvs\b|"
               r"\b(is|are) (it|this|that|they) (lighter|heavier|cheaper|brighter|warmer|bigger|smaller) than\b|"
               r"\b(lightest|heaviest|brightest|warmest|biggest|roomiest|largest|smallest|most light|"
               r"holds the most|fits the most|most people|sleeps the most)\b)",
    "feature_question": r"\b((is|are) (it|this|that|they|those|these|the [\w -]{1,40}?) (made of |made from |filled "
                        r"with |rated |)[a-z-]+ ?\??$|(does|do) (it|this|that|they|the [\w -]{1,40}?) (have|come with"
                        r"|include) (a |an |any )?[a-z -]+)",
    "info_question": r"^(what'?s|what is|what are|how long|how many|how tall|is there|can (i|it|you)|will it|"
                     r"what kind|what type|which|how (do|can|should|would) (i|you|we)|how \w+ (is|are)|"
                     r"what \w+ (does|do|is|are|can|will)|where (do|does|can|is|are))\b.*\b(it|its|it's|this|that|"
                     r"they|them|their)\b",
    "info_topic": r"\b(warranty|guarantee|fabric|material|made of|made from|shell fabric|battery life|charge it|"
                  r"capacity|"
                  r"the range|range on|range of|runtime|"
                  r"dimensions|packed size|how long does)\b",
    "greet": r"^(hi|hello|hey|good (morning|afternoon|evening)|hiya|howdy|greetings)\b",
    "thanks": r"\b(thanks|thank you|thx|cheers|that'?s helpful|appreciate it)\b",
    "goodbye": r"\b(bye|goodbye|good bye|see (you|ya)|have a (good|nice) (day|one))\b",
}
PATTERNS = {name: re.compile(pattern) for name, pattern in _P.items()}
PRONOUN = re.compile(r"\b(it|that|this|those|them|these|that one|this one|the one)\b")
FILLER = set(
    "i im i'm i'd i'll i've id ill ive need want wanted would like looking look for a an the some me show find get "
    "please can could you do does have has any got is are was were be for to with under below over above than less "
    "more between and or of in on my cart basket one ones something thing things stuff gear item items product "
    "products what whats what's which that that's this it it's its those them these there here about around dollars "
    "dollar bucks usd price prices priced cost costs costing max maximum most least at up no budget tell see let "
    "lets let's also too just really very good great nice best cheap cheapest cheaper expensive priciest pricey "
    "affordable by from our your we us will could should go going much many how add adding added put take buy "
    "grab remove delete drop don't dont not want anymore instead quantity change make set update order hello hi hey "
    "thanks thank okay ok yes no sure details detail info information describe more other another else recommend "
    "suggest suggestion recommendation goes well together pair need needs check out checkout maybe um uh hmm so "
    "then now today tonight tomorrow yesterday week weeks month months year years ago went last next soon again did "
    "actually only kind sort type sell selling carry stock available trip camping hiking outdoors shop come comes "
    "store shopping person persons people x around roughly approximately within if room always both "
    "nah hmm oh oops yeah well lol never mind all everything whole lot "
    "lightest lighter brightest brighter heaviest heavier warmest warmer biggest bigger roomiest first".split()
)
QUESTION_TOPICS = {
    "colour": r"\bcolou?rs?\b",
    "size": r"(?<!packed )\bsizes?\b(?! of)(?!.*\bpack)|"
            r"\bcome in (a |an )?(small|medium|large|extra large|xs|xl|\d+)\b",
    "waterproof": r"\b(waterproof|water ?proof|rain|wet)\b",
    "brightness": r"\b(bright|brightness|lumens|how much light|light output|(give|gives|put|puts|throw|throws) "
                  r"(out )?(much |more |enough |a lot of )?light)\b",
    "runtime": r"\bhow long (does|do|will|would) .*\blast\b|\bbattery life\b|\bruntime\b|\bon a charge\b",
    "range": r"\b(range|how far)\b",
    "weight": r"\b(heavy|weigh|weight|how light|lightweight)\b",
    "warmth": r"\b(warm|cold|temperature|rating|rated)\b",
    "capacity": r"\b(how many (people|persons)|sleep|fit|hold|capacity|big|litres|liters)\b",
    "stock": r"\b(in stock|available|left|how many .*(have you got|do you have|have you|are there))\b",
    "price": r"\b(how much|price|cost)\b",
}


MEASURES = [
    (r"\b(lightest|lighter|least heavy)\b", ("weight", False)), (r"\b(heaviest|heavier)\b", ("weight", True)),
    (r"\b(brightest|brighter|most light|throws the most)\b", ("lumens", True)),
    (r"\b(warmest|warmer)\b", ("temperature", False)),
    (r"\b(biggest|bigger|largest|larger|roomiest|most room|most people|fits the most|sleeps the most|"
     r"holds the most)\b", ("capacity", True)),
    (r"\b(smallest|smaller)\b", ("capacity", False)),
]
DROP_PRICE = re.compile(r"\b(never ?mind|forget( about)?|ignore|drop|no matter|regardless of|don'?t worry about) "
                        r"(the )?(price|budget|cost)|\bany price\b|\bshow me all( of)? (them|those)\b")
SIMILAR = re.compile(r"\b(similar|like (it|that|this)( one)?|alternatives?|something else like)\b")
MEASURE_WORDS = frozenset("lightest lighter lightweight brightest brighter heaviest heavier warmest warmer biggest "
                          "bigger smallest smaller roomiest".split())
FEATURE_ASKED = re.compile(r"\b(?:is|are) (?:it|this|that|they|those|these|the [\w -]{1,40}?) (?:made of |made from |"
                           r"filled with |)([a-z-]+) ?\??$|\b(?:does|do) (?:it|this|that|they|the [\w -]{1,40}?) "
                           r"(?:have|come with|include) (?:a |an |any )?([a-z -]+?) ?\??$")
SPEC_PHRASE = re.compile(r"\b(?:rated|warm|comfortable|good|down)\s(?:down )?to (?:minus )?-?\d+|"
                         rf"-?\d+(?:\.\d+)?\s?(?:{UNIT_WORDS}|°|degrees?)\b|\bsize \d+|\b(?:family of|room for|"
                         r"sleeps?|group of) \d+|\bminus \d+")
