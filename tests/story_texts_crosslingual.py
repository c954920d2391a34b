"""Texts of the cross-language and undated story scenarios (written for the tests, modelled on
the Council of Europe's release of 25 June 2025 on the Special Tribunal and the reports of it):
an English release, its Russian and Ukrainian reports, a report of another event of the same
week naming the same people and bodies, and two versions of one PACE document."""

RELEASE_TITLE = "Ukraine and the Council of Europe sign the agreement on the Special Tribunal"
RELEASE = """President Volodymyr Zelensky and Secretary General Alain Berset signed on 25 June 2025 in Strasbourg the Agreement between Ukraine and the Council of Europe on the establishment of the Special Tribunal for the Crime of Aggression against Ukraine.

The Special Tribunal will be able to hold accountable the senior political and military leadership responsible for the aggression. Its seat will be in The Hague, and its judges and prosecutor will be chosen from candidates proposed by the states that join the Enlarged Partial Agreement on its management committee.

"Today we close the gap that has let the crime of aggression go unpunished since Nuremberg," Secretary General Berset said at the ceremony. President Zelensky thanked the member states that supported the work of the core group since 2022.

The agreement must now be ratified by the Verkhovna Rada. The Committee of Ministers will invite states to join the Enlarged Partial Agreement in the coming weeks."""

RU_REPORT_TITLE = "Зеленский и Берсе подписали соглашение о спецтрибунале"
RU_REPORT = """Президент Украины Владимир Зеленский и генеральный секретарь Совета Европы Ален Берсе 25 июня подписали в Страсбурге соглашение о создании Специального трибунала по преступлению агрессии против Украины.

По словам Берсе, трибунал позволит привлечь к ответственности высшее политическое и военное руководство, виновное в агрессии. Местом его работы станет Гаага.

Теперь соглашение должна ратифицировать Верховная Рада. Комитет министров Совета Европы пригласит государства присоединиться к расширенному частичному соглашению."""

UK_REPORT_TITLE = "Зеленський і Берсе підписали угоду про спецтрибунал щодо агресії"
UK_REPORT = """Президент України Володимир Зеленський та генеральний секретар Ради Європи Ален Берсе 25 червня у Страсбурзі підписали угоду про створення Спеціального трибуналу щодо злочину агресії проти України.

Трибунал зможе притягнути до відповідальності вище політичне та військове керівництво, відповідальне за агресію. Його місцем роботи стане Гаага.

Угоду має ратифікувати Верховна Рада."""

# Reports naming the same people and bodies, of another event of the same week
RU_OTHER_TITLE = "Берсе призвал ратифицировать конвенцию о комиссии по претензиям"
RU_OTHER = """Генеральный секретарь Совета Европы Ален Берсе 27 июня призвал государства-члены как можно скорее ратифицировать конвенцию о создании Международной комиссии по претензиям для Украины.

Комиссия будет рассматривать заявления, поданные в Реестр ущерба, и определять размер компенсации. Комитет министров одобрил текст конвенции в мае.

По словам Берсе, без механизма компенсации справедливый мир невозможен."""

RU_NO_DATE_TITLE = "Зеленский и Берсе обсудили работу спецтрибунала"
RU_NO_DATE = """Президент Украины Владимир Зеленский провёл встречу с генеральным секретарём Совета Европы Аленом Берсе. Стороны обсудили работу Специального трибунала по преступлению агрессии против Украины и подготовку к избранию судей.

Зеленский поблагодарил Совет Европы за поддержку. Берсе заверил, что организация продолжит помогать Украине."""

DRAFT_TITLE = "Further escalation in the Russian Federation's aggression against Ukraine | Report | Doc. 15631"
DRAFT = """Further escalation in the Russian Federation's aggression against Ukraine

Committee on Political Affairs and Democracy. Rapporteur: Mr Emanuelis ZINGERIS, Lithuania. Doc. 15631.

Draft resolution

1. Eight months have elapsed since the Russian Federation launched a large-scale invasion of Ukraine. This brutal and inhumane aggression is provoking immense suffering, destruction and displacement, to a level unseen in Europe since the Second World War.

2. In recent weeks, the Russian Federation has taken political, military and rhetorical steps which indicate a further escalation of the aggression. It organised so-called referendums in occupied regions and announced their illegal annexation.

3. The Assembly calls on member States to set up a special international tribunal for the crime of aggression against Ukraine."""

ADOPTED_TITLE = "Further escalation in the Russian Federation's aggression against Ukraine"
ADOPTED = """Resolution 2463 (2022). Assembly debate on 13 October 2022 (see Doc. 15631, report of the Committee on Political Affairs and Democracy, rapporteur: Mr Emanuelis Zingeris). Text adopted by the Assembly on 13 October 2022.

1. Eight months have elapsed since the Russian Federation launched a large-scale invasion of Ukraine. This brutal and inhumane aggression is provoking immense suffering, destruction and displacement, to a level unseen in Europe since the Second World War. This aggression must be unequivocally condemned.

2. Over recent weeks, the Russian Federation has taken political, military and rhetorical steps which indicate a further escalation of the aggression, organising so-called referendums in occupied regions and announcing their illegal annexation.

3. The Assembly calls on all member and observer States to set up, without delay, a special international tribunal for the crime of aggression against Ukraine."""

OTHER_RESOLUTION_TITLE = "Further escalation in the Russian Federation's aggression against Ukraine"
OTHER_RESOLUTION = """Opinion 300 (2022). Assembly debate on 15 March 2022 (see Doc. 15477, report of the Committee on Political Affairs and Democracy). Text adopted by the Assembly on 15 March 2022.

1. The Russian Federation's aggression against Ukraine is a serious violation of international law. The Assembly considers that the Russian Federation can no longer be a member State of the Organisation.

2. The Assembly calls on the Committee of Ministers to request the Russian Federation to withdraw immediately from the Council of Europe."""
