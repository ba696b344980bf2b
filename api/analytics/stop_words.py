"""Words too common to say what a card is about, in the seven languages of the card."""

from functools import cache

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "a an the and or but if of to in on at by for with from as is are was were be been am "
        "it its this that these those there here i me my we our you your he she they them his "
        "her their not no so very too just also than then have has had do does did will would "
        "can could should again all any some more most much many one two what when where which "
        "who how why about after before into out up down over only own same s t don didn "
        "wasn isn aren im ive get got really quite".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas y o pero si de del a al en con por para como es son "
        "fue era ser estar está están estaba muy mas más que se lo le les me mi mis nos nuestro "
        "su sus tu te yo él ella ellos no ni ya también todo todos esta este esto ese esa hay "
        "ha han había sin sobre entre cuando donde porque bien".split()
    ),
    "fr": frozenset(
        "le la les un une des et ou mais si de du au aux en dans par pour avec sur sous est "
        "sont était été être a ai avons ont avait il elle ils elles on nous vous je j me mon ma "
        "mes notre nos votre vos son sa ses leur leurs ce cet cette ces qui que qu quoi ne pas "
        "plus très trop aussi tout tous toute bien l d c n s y".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer und oder aber wenn von zu im in am "
        "an auf mit für bei aus als ist sind war waren sein hat haben hatte ich mich mir mein "
        "meine wir uns unser du dich dein er sie es ihr ihre man nicht kein keine sehr zu auch "
        "noch nur schon so wie was wer wo dass da dann mal".split()
    ),
    "pt": frozenset(
        "o a os as um uma uns umas e ou mas se de do da dos das em no na nos nas por para com "
        "como é são foi era ser estar está estava muito mais que lhe me meu minha nós nosso seu "
        "sua você eu ele ela eles não nem já também todo todos este esta isto esse essa há tem "
        "tinha sem sobre entre quando onde porque bem".split()
    ),
    # Chinese is read as pairs of characters (below): these characters make no topic alone.
    "zh": frozenset(
        "的 了 是 我 你 他 她 们 很 在 和 也 都 就 不 有 这 那 个 吗 呢 吧 啊 太 非 常 得 地 着 过 "
        "还 又 被 把".split()
    ),
    "ar": frozenset(
        "في من على إلى عن مع هذا هذه ذلك تلك هو هي هم أنا نحن أنت كان كانت يكون لا لم لن ما "
        "و أو ثم قد كل بعض جدا جداً غير بين عند الذي التي الذين ان أن إن كما لقد".split()
    ),
}


@cache
def stop_words_for(language: str) -> frozenset[str]:
    """The card's language's stop words and English's (cards mix them)."""
    primary = language.split("-")[0].split("_")[0].lower()
    return STOP_WORDS.get(primary, frozenset()) | STOP_WORDS["en"]
