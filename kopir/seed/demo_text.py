"""Synthetic, neutral wording for demo entries (kk / ru / en). No real person is described."""

CONFLICT = [
    "Argument over a ball during the break; both pupils were upset. The teacher separated them and talked with each.",
    "Pushed a classmate in the queue for lunch. Apologised after a talk with the class tutor.",
    "Refused to follow the teacher's instruction in the lesson and left the room for ten minutes.",
    "Tore a classmate's notebook after a dispute about a seat.",
    "Спор на перемене из-за места в столовой. Классный руководитель поговорил с обоими.",
    "Үзіліс кезінде сыныптасымен доп үшін ұрысып қалды. Мұғалім екеуімен сөйлесті.",
    "Raised voice at the PE teacher after losing a game; calmed down when given time.",
    "Scuffle in the corridor; no injuries. Both pupils met the psychologist the same day.",
]
# Only in "needs attention" episodes: what a serious incident looks like when written down.
CRISIS = [
    "Hit by an older pupil behind the school; a cut on the lip, the nurse treated the injury.",
    "Pushed down the stairs by a group of pupils; the wrist was injured, the mother took the child to a doctor.",
    "На перемене старшеклассник ударил ребёнка, травма носа, вызвали медсестру.",
    "Үзілісте жоғары сынып оқушысы балаға соққы берді, бала жарақат алды, медбике көмек көрсетті.",
]
SERIOUS = [
    "A fight with three pupils after lessons; the police inspector was called.",
    "Threatened with a knife by an older pupil on the way home; the child is afraid to come to school.",
    "Драка с несколькими учениками после уроков; вызвали инспектора.",
]
WITHDRAWN = [
    "Quiet and tired; says nothing helps and does not want to come to school.",
    "Почти не разговаривал, жалуется, что в классе его никто не ждёт.",
    "Бала көңілсіз, сыныптастарымен сөйлеспейтінін айтты.",
]
NICKNAME = [
    "Classmates called the child names about where the family lived before. The teacher stopped it and held a class talk on respect.",
    "An older pupil used a hurtful nickname about the child's religion in the changing room.",
    "Одноклассники дразнили ребёнка из-за прошлого семьи. Учитель провёл беседу с классом.",
    "Сыныптастары баланың отбасы туралы жағымсыз лақап ат қойды. Мұғалім сыныппен әңгіме өткізді.",
    "A note with a mocking label about the child's mother was passed around the class.",
]
EXCLUSION = [
    "Not allowed to join the group game at break; the child played alone.",
    "Group chat created without the child; classmates laughed about it.",
    "Ребёнка не взяли в команду на уроке физкультуры.",
]
BULLYING = [
    "Repeatedly teased about accent in the reading lesson.",
    "Belongings hidden several times this week by the same group of pupils.",
]
ONLINE = [
    "A photo of the child was shared in a class messenger group with mocking comments.",
]
PHYSICAL_PEER = [
    "Tripped on purpose by a classmate in the corridor; a small bruise on the knee, seen by the nurse.",
]
FRIENDSHIP = [
    "Walked home with a classmate and they now sit together.",
    "Invited a new friend to the school robotics club.",
    "Сыныптасымен бірге үй тапсырмасын орындады, достасып жүр.",
    "Подружилась с девочкой из параллельного класса, вместе ходят в библиотеку.",
]
GROUP = [
    "Took part in the class Nauryz concert and sang in Kazakh.",
    "Worked well in a group project on the history of the city.",
    "Played in the school football tournament.",
    "Участвовал в субботнике вместе с классом.",
]
SESSION_SUMMARY = [
    "Talked about friends in class and the week ahead.",
    "Worked on calming techniques for difficult moments.",
    "Discussed homework routine; the child is proud of a good mark.",
    "Meeting with the mother about support at home and the after-school club.",
    "Беседа о самочувствии и отношениях в классе.",
    "Сабақтағы жетістіктері мен достары туралы әңгімелестік.",
]
CONFIDENTIAL = [
    "Sleeps badly before tests; mentions memories of the camp.",
    "Mother worries about money; discussed the local social support office.",
    "The father's relatives discourage contact with specialists; keep meetings at school.",
    "Child drew the family; talked about an older brother who did not come back.",
]
ACTION = [
    "Talked with both pupils.",
    "Informed the class tutor and the mother.",
    "Class talk on respect held the next day.",
    "Referred to the school psychologist.",
    "",
]
CONCERN = [
    "Withdrawn for two weeks, stopped eating lunch with the class.",
    "Mentions being afraid to walk home alone.",
    "Mother asked for help: the child is crying at home after school.",
]
SUPPORT_NEEDS = [
    "Extra Kazakh language lessons.",
    "Catch-up in mathematics.",
    "Quiet place during tests.",
    "",
    "Дополнительные занятия по русскому языку.",
]
FIRST_NAMES = ["Айгерім", "Нұрсұлтан", "Амина", "Ерлан", "Мадина", "Әлихан", "Зарина", "Данияр",
               "Аружан", "Тимур", "Жасмин", "Ислам", "Medina", "Yusuf"]
