"""Texts of the story scenarios (written for the tests, modelled on real ministry statements
and news reports): one statement, its translation, republication, quote, retelling and
edit, and the hard non-pairs (briefings sharing boilerplate, one topic on two days, one
week's unrelated statements naming the same bodies)."""

STATEMENT_TITLE = "Statement of the MFA of Ukraine on the PACE resolution on the Register of Damage"
STATEMENT = """The Ministry of Foreign Affairs of Ukraine welcomes the resolution adopted today by the Parliamentary Assembly of the Council of Europe on the Register of Damage caused by the aggression of the Russian Federation against Ukraine.

The resolution calls on all member states of the Council of Europe to join the Enlarged Partial Agreement on the Register of Damage and to contribute to its budget without delay. More than forty states and the European Union have already joined it, and the Register has received over thirty thousand claims from Ukrainian citizens whose homes, property and livelihoods were destroyed.

We are grateful to the rapporteur and to the national delegations that supported the text. The Register is the first step towards a comprehensive compensation mechanism, which must include a claims commission and a compensation fund financed by Russian sovereign assets immobilised in partner jurisdictions.

Ukraine calls on the Committee of Ministers to take the next steps swiftly so that the convention establishing the claims commission can be opened for signature at the ministerial session in Strasbourg. Justice for the victims of Russian aggression requires that the aggressor pay for every house, school and hospital it destroyed.

The Ministry reiterates that there can be no lasting peace in Europe without accountability for the crime of aggression and full reparation of the damage caused."""

STATEMENT_EDITED = STATEMENT.replace(
    "The Ministry reiterates",
    "We also welcome the decision of Canada and Japan to become associate members of the Register and "
    "to share their experience of mass claims processing with its Board.\n\nThe Ministry reiterates",
)
STATEMENT_TYPO_FIX = STATEMENT.replace("immobilised", "immobilized")

STATEMENT_UK_TITLE = "Заява МЗС України щодо резолюції ПАРЄ про Реєстр збитків"
STATEMENT_UK = """Міністерство закордонних справ України вітає ухвалену сьогодні Парламентською асамблеєю Ради Європи резолюцію щодо Реєстру збитків, завданих агресією Російської Федерації проти України.

Резолюція закликає всі держави-члени Ради Європи приєднатися до Розширеної часткової угоди про Реєстр збитків та без зволікань зробити внесок до його бюджету. Понад сорок держав та Європейський Союз уже приєдналися до неї, а Реєстр отримав понад тридцять тисяч заяв від громадян України, чиї домівки, майно та засоби до існування були знищені.

Ми вдячні доповідачеві та національним делегаціям, які підтримали текст. Реєстр є першим кроком до всеосяжного компенсаційного механізму, який має включати комісію з розгляду претензій та компенсаційний фонд, що фінансуватиметься за рахунок російських суверенних активів.

Україна закликає Комітет міністрів оперативно зробити наступні кроки, щоб конвенцію про створення комісії з розгляду претензій можна було відкрити для підписання на міністерській сесії у Страсбурзі.

Міністерство наголошує, що тривалий мир у Європі неможливий без відповідальності за злочин агресії та повного відшкодування завданої шкоди."""

REPUBLICATION_TITLE = "Ukraine's MFA welcomes PACE resolution on Register of Damage: full text"
REPUBLICATION = (
    "KYIV, Ukrinform. The Foreign Ministry of Ukraine has issued a statement on the resolution of the "
    "Parliamentary Assembly, an Ukrinform correspondent reports. The full text is published below.\n\n"
    + STATEMENT
    + "\n\nRead also: Ukraine and the Council of Europe sign an action plan for 2027-2030."
)

QUOTE_TITLE = "Kyiv urges Council of Europe states to join Register of Damage"
QUOTE_REPORT = """Ukraine on Thursday urged every member of the Council of Europe to sign up to the Register of Damage, hours after lawmakers in Strasbourg backed a resolution on the body set up to record losses from Russia's invasion.

"The resolution calls on all member states of the Council of Europe to join the Enlarged Partial Agreement on the Register of Damage and to contribute to its budget without delay," the foreign ministry in Kyiv said in a statement.

Officials say the register is only a first step. A separate claims commission, which would rule on each claim, still has to be set up by a new treaty, and Western governments remain divided over whether frozen Russian central bank assets can be used to pay.

"Justice for the victims of Russian aggression requires that the aggressor pay for every house, school and hospital it destroyed," the ministry added. Moscow has rejected the register as illegitimate."""

RETOLD_TITLE = "Ukraine welcomes PACE vote on Register of Damage, calls for claims commission"
RETOLD_REPORT = """Ukraine's foreign ministry welcomed on Thursday a vote by the Parliamentary Assembly of the Council of Europe backing the Register of Damage, the body that records claims for destruction caused by Russia's war.

According to the ministry, dozens of countries and the EU have already signed up to the register, which has collected more than thirty thousand claims from Ukrainians who lost homes and property. Kyiv wants the remaining member states to join and pay into its budget.

The ministry called on the Committee of Ministers to move quickly so that a convention creating a claims commission could be opened for signature at the ministerial session in Strasbourg, and said the compensation fund should draw on immobilised Russian sovereign assets.

Without accountability for the crime of aggression there can be no lasting peace in Europe, the ministry said."""

UNRELATED_TITLE = "Statement of the MFA of Ukraine on the Istanbul Convention anniversary"
UNRELATED = """The Ministry of Foreign Affairs of Ukraine marks the anniversary of the entry into force for Ukraine of the Council of Europe Convention on preventing and combating violence against women and domestic violence, the Istanbul Convention.

Ukraine has brought its criminal code into line with the Convention, set up a network of shelters and crisis centres in every region, and trained more than five thousand police officers, prosecutors and judges. The first baseline report of the expert group GREVIO on Ukraine will be examined this autumn.

We thank the Parliamentary Assembly of the Council of Europe and the Committee of Ministers for their support, and we call on the member states that have not yet ratified the Convention to do so. Russian forces use sexual violence as a weapon of war in the occupied territories; every such crime will be documented and its perpetrators brought to justice.

The Ministry reaffirms Ukraine's commitment to the standards of the Council of Europe on the path to membership of the European Union."""

BRIEFING_INTRO = """Good afternoon. Before we begin, I would like to remind you that the briefing is broadcast live on the Ministry's website and its channels on social networks, and that questions may be sent in advance through the press service. As usual, I will start with the Minister's schedule for the coming week and then answer your questions.

"""
BRIEFING_OUTRO = """

That concludes the topics I wanted to address today. Thank you for your attention; the transcript of the briefing and the answers to questions received in writing will be published on the Ministry's website. See you next week."""

BRIEFING_1_TITLE = "Briefing by Foreign Ministry Spokeswoman, 12 March"
BRIEFING_1 = BRIEFING_INTRO + """On the Minister's schedule. On 14 March the Minister will hold talks with the Foreign Minister of Indonesia, who is in Moscow on a working visit. The ministers will discuss trade and investment, cooperation in energy and the situation in the Asia-Pacific region, as well as preparations for the intergovernmental commission meeting in Jakarta.

On the situation around the grain deal. We note once again that the part of the agreements concerning the unblocking of Russian agricultural exports has not been implemented. Ships carrying fertilisers remain in European ports, payments through the agricultural bank are still blocked, and insurance for our vessels is refused. Under these conditions an extension cannot be discussed.

On the anniversary of the reunification of Crimea. A concert and an exhibition of archival documents will be held in the Ministry's reception house on 18 March; accredited journalists are invited.""" + BRIEFING_OUTRO

BRIEFING_2_TITLE = "Briefing by Foreign Ministry Spokeswoman, 19 March"
BRIEFING_2 = BRIEFING_INTRO + """On the Minister's schedule. On 21 March the Minister will take part in a meeting of the Council of Foreign Ministers of the Commonwealth of Independent States in Minsk, where a programme of cooperation for the next two years and a statement on the anniversary of victory will be adopted.

On the decisions of the European Court of Human Rights. We remind you that the Russian Federation ceased to be a party to the Convention in September and that judgments adopted after that date have no legal force for us. Attempts by the Committee of Ministers to supervise their execution are a political show.

On the arrest of Russian journalists in the Baltic states. We demand the immediate release of our colleagues, detained on absurd charges for their professional activity, and call on the OSCE Representative on Freedom of the Media to react.""" + BRIEFING_OUTRO

TOPIC_DAY1_TITLE = "Statement of the MFA of Ukraine on the Russian strike on Odesa port"
TOPIC_DAY1 = """Last night Russia launched another massive missile and drone attack on the port infrastructure of Odesa. Grain terminals, warehouses and a civilian vessel under the flag of Panama were hit; two port workers were killed and nine people injured.

This is a deliberate attempt by Russia to undermine the Ukrainian maritime corridor, through which more than sixty million tonnes of agricultural products have already been exported to Africa, Asia and Europe. Every strike on the ports is a strike on global food security.

We call on our partners to strengthen Ukraine's air defence, above all in the south, and to increase pressure on Russia through new sanctions on its military-industrial complex and its shadow fleet."""

TOPIC_DAY2_TITLE = "Comment of the MFA of Ukraine on the security of navigation in the Black Sea"
TOPIC_DAY2 = """Ukraine thanks the states that took part yesterday in the coordination meeting on the security of navigation in the Black Sea, held in Istanbul with the participation of the International Maritime Organization.

The participants agreed to extend insurance guarantees for merchant ships calling at Ukrainian ports, to set up a mine clearance group of the navies of Romania, Bulgaria and Türkiye, and to share data on threats to shipping. Since the beginning of the year more than four thousand vessels have used the Ukrainian corridor.

The Ministry stresses that freedom of navigation is a principle of international law, and that Ukraine will continue to guarantee the passage of ships carrying food to countries in need, together with its partners."""

# Formulaic readouts: one name and one date apart (two statements, not copies).
READOUT = ("On {day} October, Minister of Foreign Affairs of Ukraine Andrii Sybiha met with the Ambassador of {country} "
           "to Ukraine. The parties discussed the implementation of the Peace Formula, the strengthening of air "
           "defence and the preparation of the next meeting of the Ukraine Defence Contact Group. The Minister thanked "
           "{country} for its steadfast support of Ukraine's sovereignty and territorial integrity.")
