"""Small vocabularies that let `descriptor.parse_descriptor` tell genres, instruments and
moods from artist names. Lower-case; a phrase matches when each of its words does."""

GENRE_WORDS = frozenset("""
acid acoustic afrobeat alternative ambient americana art bass bebop big bluegrass blues bop
bossa breakbeat britpop chamber chillout chillwave classic classical country dance dancehall
death deep disco doom downtempo drill drum dub dubstep edm electro electronic electronica emo
experimental folk funk fusion garage glam gospel goth gothic grime grunge hard hardcore heavy
hip hop house idm indie industrial instrumental j-pop jazz k-pop latin lo-fi lofi lounge math
metal metalcore minimal modern neo new noise nu opera orchestral pop post power progressive
psychedelic punk r&b rap reggae reggaeton rnb rock rockabilly salsa samba shoegaze singer-songwriter
ska smooth soft soul soundtrack speed surf swing synth synthpop synthwave techno thrash trance
trap trip tropical vaporwave wave world
""".split())
INSTRUMENT_WORDS = frozenset("""
accordion bass banjo bells brass cello choir clarinet drum drums flute guitar guitars harp
harmonica horns keys mandolin marimba organ pads percussion piano saxophone sax sitar strings
synth synths trombone trumpet ukulele vibraphone viola violin vocals voice acoustic electric
upright grand male female
""".split())
MOOD_WORDS = frozenset("""
aggressive angry calm cheerful chill dark dreamy energetic epic euphoric happy hopeful
melancholic melancholy mellow nostalgic peaceful playful relaxed relaxing romantic sad
sentimental serene somber tense uplifting
""".split())
