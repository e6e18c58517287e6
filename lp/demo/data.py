"""Reference tables for the demo data set (``lp demo``): staff, countries, names.

Everything here is invented for demonstration. Country facts are plausible, not
verified; person names are random combinations of common names of a region.
Email addresses use the reserved ``.example`` domain, so no mail can leave.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL_DOMAIN = "demo.lp-tracker.example"

#: (display name, role, preferred language, job): "desk" staff hold country
#: portfolios, "officer" staff are case officers (regievoerders).
STAFF = (
    ("Sanne Jansen", "staff", "nl", "desk"),
    ("Mark de Boer", "staff", "nl", "desk"),
    ("Eline Visser", "staff", "en", "desk"),
    ("Thomas Mulder", "staff", "nl", "officer"),
    ("Lotte van Dijk", "staff", "nl", "officer"),
    ("Bram Smit", "staff", "nl", "officer"),
    ("Noor Meijer", "staff", "nl", "officer"),
    ("Ruben de Graaf", "viewer", "nl", ""),
    ("Iris Bos", "viewer", "nl", ""),
)

DESKS = [index for index, member in enumerate(STAFF) if member[3] == "desk"]
OFFICERS = [index for index, member in enumerate(STAFF) if member[3] == "officer"]


def staff_email(display_name: str) -> str:
    """Return a demo account's address: sanne.jansen@demo.lp-tracker.example."""
    given, _, family = display_name.partition(" ")
    return f"{given.lower()}.{family.replace(' ', '').lower()}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Behaviour:
    """How a country's embassies answer: how often, how fast, and what."""

    answer_rate: float  # share of requests answered at all
    median_days: int  # typical days from submission to the answer
    issue: float  # share of answers that issue an LP
    refuse: float  # share that refuse; the rest agree a hand-over


BEHAVIOURS = {
    "responsive": Behaviour(0.95, 18, 0.85, 0.12),
    "slow": Behaviour(0.70, 70, 0.60, 0.30),
    "reluctant": Behaviour(0.45, 140, 0.35, 0.55),
    "silent": Behaviour(0.15, 200, 0.30, 0.70),
}

#: What the country profile's notes say about each behaviour (data, not UI text).
BEHAVIOUR_NOTES = {
    "responsive": "Reageert doorgaans binnen enkele weken.",
    "slow": "Reageert traag; na het verstrijken van de termijn is een rappel meestal nodig.",
    "reluctant": "Reageert zelden binnen de termijn; regelmatig rappelleren en zo nodig escaleren.",
    "silent": "Reageert vrijwel nooit, ook niet op notities verbale.",
}


@dataclass(frozen=True)
class Seat:
    """A city where missions sit, with what its addresses and phone numbers look like."""

    city: str
    located_in: str
    streets: tuple[str, ...]
    postcode: str  # str.format pattern; {n} is a random number
    phone: str


SEATS = {
    "den_haag": Seat("Den Haag", "NL", ("Laan van Meerdervoort", "Koninginnegracht", "Javastraat",
                                        "Nassaulaan", "Sophialaan", "Van Stolkweg", "Groot Hertoginnelaan",
                                        "Anna Paulownastraat", "Scheveningseweg"),
                     "25{n:02d} KV Den Haag", "+31 70 {n:03d} {m:04d}"),
    "rotterdam": Seat("Rotterdam", "NL", ("Westersingel", "Mathenesserlaan", "Heemraadssingel"),
                      "30{n:02d} BC Rotterdam", "+31 10 {n:03d} {m:04d}"),
    "amsterdam": Seat("Amsterdam", "NL", ("De Lairessestraat", "Museumplein", "Van Eeghenstraat"),
                      "10{n:02d} HT Amsterdam", "+31 20 {n:03d} {m:04d}"),
    "brussel": Seat("Brussel", "BE", ("Avenue Louise", "Avenue de Tervueren", "Avenue Franklin Roosevelt",
                                      "Rue de la Loi"), "10{n:02d} Brussel", "+32 2 {n:03d} {m:04d}"),
    "berlijn": Seat("Berlijn", "DE", ("Kurfürstendamm", "Tiergartenstraße", "Unter den Linden"),
                    "10{n:03d} Berlin", "+49 30 {n:03d} {m:04d}"),
    "parijs": Seat("Parijs", "FR", ("Avenue Kléber", "Rue de Longchamp", "Avenue Foch"),
                   "750{n:02d} Paris", "+33 1 {n:03d} {m:04d}"),
}


@dataclass(frozen=True)
class DemoCountry:
    """One country of the demo: profile facts, missions and how it behaves."""

    code: str
    names: str  # key into NAMES
    behaviour: str  # key into BEHAVIOURS
    weight: int  # relative number of requests
    desk: int  # index of the portfolio holder among the "desk" staff
    language: str  # correspondence language of its missions
    seat: str  # key into SEATS: where the (first) mission sits
    #: presentation required, biometric registers, requires identity, refuses when
    #: unwilling, staff admitted to the interview: y(es) n(o) s(ometimes) u(nknown).
    facts: str
    forced_return: str
    reply_limit: int  # days, for an arrangement added when no agreement gives a limit
    interpreter: str = ""
    consulate: str = ""  # key into SEATS of a second mission, a consulate
    channel: str = "email"  # the usual channel of submission

    def fact(self, index: int) -> str:
        return {"y": "yes", "n": "no", "s": "sometimes", "u": "unknown"}[self.facts[index]]

    @property
    def presentation(self) -> str:
        return self.fact(0)

    @property
    def refuses_unwilling(self) -> str:
        return self.fact(3)


COUNTRIES = (
    DemoCountry("MA", "maghreb", "slow", 10, 0, "fr", "den_haag", "nysyn", "yes", 45, "Arabisch", "rotterdam"),
    DemoCountry("DZ", "maghreb", "reluctant", 9, 0, "fr", "den_haag", "snyyn", "limited", 60, "Arabisch",
                channel="post"),
    DemoCountry("TN", "maghreb", "slow", 4, 0, "fr", "den_haag", "syynn", "yes", 45, "Arabisch"),
    DemoCountry("EG", "egypt", "slow", 3, 0, "en", "den_haag", "syynn", "yes", 45, "Arabisch"),
    DemoCountry("IQ", "iraq", "reluctant", 5, 0, "en", "den_haag", "sysyn", "limited", 60, "Arabisch"),
    DemoCountry("IR", "iran", "silent", 4, 0, "en", "den_haag", "nyyyn", "no", 90, "Farsi", channel="post"),
    DemoCountry("AF", "afghan", "reluctant", 4, 0, "en", "den_haag", "snyyn", "limited", 60, "Dari"),
    DemoCountry("SD", "sudan", "reluctant", 2, 0, "en", "den_haag", "ynyyn", "limited", 60, "Arabisch"),
    DemoCountry("NG", "nigeria", "slow", 6, 1, "en", "den_haag", "ynyns", "yes", 30),
    DemoCountry("GN", "guinea", "reluctant", 5, 1, "fr", "brussel", "ynyss", "yes", 60, "Pular",
                channel="courier"),
    DemoCountry("GM", "senegambia", "slow", 3, 1, "en", "brussel", "ynysn", "yes", 45, "Mandinka",
                channel="courier"),
    DemoCountry("SN", "senegambia", "slow", 2, 1, "fr", "parijs", "snysn", "yes", 45, "Wolof", channel="post"),
    DemoCountry("GH", "ghana", "slow", 3, 1, "en", "den_haag", "yyyny", "yes", 30, "Twi"),
    DemoCountry("CM", "cameroon", "slow", 2, 1, "fr", "den_haag", "snyns", "yes", 45),
    DemoCountry("ET", "horn", "reluctant", 3, 1, "en", "brussel", "ynyyn", "limited", 60, "Amhaars"),
    DemoCountry("ER", "horn", "silent", 4, 1, "en", "brussel", "ynyyn", "no", 90, "Tigrinya", channel="post"),
    DemoCountry("SO", "somali", "reluctant", 3, 1, "en", "brussel", "snyyn", "limited", 60, "Somalisch"),
    DemoCountry("PK", "pakistan", "slow", 3, 2, "en", "den_haag", "nysnn", "yes", 30, "Urdu",
                channel="electronic"),
    DemoCountry("BD", "bangladesh", "slow", 2, 2, "en", "den_haag", "sysnn", "yes", 30, "Bengaals",
                channel="electronic"),
    DemoCountry("IN", "india", "slow", 2, 2, "en", "den_haag", "nyynn", "yes", 45, "Punjabi"),
    DemoCountry("LK", "srilanka", "responsive", 1, 2, "en", "den_haag", "nynnn", "yes", 30, "Singalees"),
    DemoCountry("CN", "china", "slow", 3, 2, "en", "den_haag", "yyyns", "yes", 60, "Mandarijn"),
    DemoCountry("VN", "vietnam", "slow", 2, 2, "en", "den_haag", "syynn", "yes", 45, "Vietnamees"),
    DemoCountry("MN", "mongolia", "responsive", 2, 2, "en", "berlijn", "snynn", "yes", 30, "Mongools"),
    DemoCountry("TR", "turkey", "responsive", 4, 2, "en", "den_haag", "nynnn", "yes", 30, "Turks", "rotterdam"),
    DemoCountry("GE", "georgia", "responsive", 5, 2, "en", "den_haag", "nynnn", "yes", 14, "Georgisch",
                channel="electronic"),
    DemoCountry("AM", "armenia", "responsive", 3, 2, "en", "den_haag", "nynnn", "yes", 30, "Armeens",
                channel="electronic"),
    DemoCountry("AZ", "azerbaijan", "responsive", 2, 2, "en", "den_haag", "nynnn", "yes", 21,
                "Azerbeidzjaans", channel="electronic"),
    DemoCountry("AL", "albania", "responsive", 5, 2, "en", "den_haag", "nynnn", "yes", 14, "Albanees",
                channel="electronic"),
    DemoCountry("RS", "serbia", "responsive", 2, 2, "en", "den_haag", "nynnn", "yes", 21, "Servisch"),
    DemoCountry("UA", "ukraine", "slow", 1, 2, "en", "den_haag", "nysnn", "no", 30, "Oekraïens"),
    DemoCountry("SR", "suriname", "responsive", 1, 2, "nl", "den_haag", "nnynn", "yes", 30, "", "amsterdam"),
)

#: Where a person's nationality is doubted, the country asked next.
ALTERNATIVES = {
    "MA": "DZ", "DZ": "MA", "TN": "DZ", "GN": "SN", "SN": "GM", "GM": "SN", "ER": "ET", "ET": "ER",
    "SO": "ET", "SD": "ER", "IQ": "IR", "AF": "PK", "PK": "AF", "BD": "IN", "IN": "BD",
}


@dataclass(frozen=True)
class NamePool:
    """Common given and family names of a region, and how a full name is written."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    #: "gf" given family; "fg" family given; "gff" given, father, grandfather;
    #: "fmg" family, middle (male/female), given.
    style: str = "gf"


def _pool(male: str, female: str, family: str, style: str = "gf") -> NamePool:
    return NamePool(tuple(male.split(",")), tuple(female.split(",")), tuple(family.split(",")), style)


NAMES = {
    "maghreb": _pool("Mohamed,Youssef,Ahmed,Karim,Hamza,Bilal,Said,Rachid,Mustafa,Anouar,Soufiane,Nabil,"
                     "Walid,Amine,Hicham,Khalid,Mehdi,Yassine,Omar,Ayoub",
                     "Fatima,Khadija,Nadia,Samira,Imane,Salma",
                     "El Amrani,Benali,Bouzid,Haddad,Mansouri,Chaoui,Belkacem,Ziani,Ouali,Tahiri,Bennani,"
                     "Idrissi,Mebarki,Saidi,Trabelsi,Jaziri,Hamdi,Gharbi,Boukhari,Lahlou"),
    "egypt": _pool("Mahmoud,Mostafa,Ahmed,Amr,Tarek,Hany,Karim,Sherif", "Mona,Heba,Dina",
                   "Ibrahim,Abdelaziz,Saleh,Fathy,Mansour,Shehata,El-Sayed,Ragab"),
    "iraq": _pool("Ali,Hussein,Haider,Mustafa,Ahmed,Omar,Karwan,Rebin,Dilshad", "Zainab,Noor,Shirin",
                  "Al-Jubouri,Al-Obaidi,Hassan,Kareem,Mahmoud,Aziz,Rashid,Salih,Abdullah"),
    "iran": _pool("Reza,Ali,Mehdi,Hossein,Amir,Saeed,Behnam,Arash,Farhad", "Maryam,Zahra,Leila,Shirin",
                  "Ahmadi,Hosseini,Rezaei,Mohammadi,Karimi,Rahimi,Moradi,Jafari,Sadeghi"),
    "afghan": _pool("Ahmad,Mohammad,Abdul,Farid,Jawad,Naweed,Rahim,Sayed,Habib", "Fatema,Mariam,Nilofar",
                    "Ahmadzai,Noori,Rahimi,Hakimi,Sultani,Popal,Safi,Stanikzai,Wardak"),
    "sudan": _pool("Mohamed,Osman,Elfatih,Abdelrahman,Musa,Adam,Ibrahim,Yousif", "Amna,Hawa,Fatima",
                   "Abdalla,Elhassan,Adam,Ishag,Suleiman,Hamid,Yagoub,Eltayeb"),
    "nigeria": _pool("Chinedu,Emeka,Tunde,Oluwaseun,Ifeanyi,Babajide,Uche,Kelechi,Samuel,Daniel",
                     "Blessing,Ngozi,Chioma,Funmilayo",
                     "Okafor,Adeyemi,Okonkwo,Balogun,Eze,Nwosu,Ogunleye,Adebayo,Obi,Afolabi"),
    "guinea": _pool("Alpha,Mamadou,Ibrahima,Ousmane,Thierno,Abdoulaye,Sekou,Alhassane", "Mariama,Aissatou,Fatoumata",
                    "Diallo,Barry,Bah,Sow,Camara,Conde,Soumah,Keita,Sylla"),
    "senegambia": _pool("Lamin,Ebrima,Modou,Mamadou,Cheikh,Ousmane,Pape,Abdoulie,Babucarr,Alieu",
                        "Awa,Fatou,Isatou,Mariama",
                        "Jallow,Ceesay,Touray,Sanneh,Diop,Ndiaye,Fall,Sarr,Gueye,Bojang"),
    "ghana": _pool("Kwame,Kofi,Kwabena,Yaw,Kojo,Emmanuel,Isaac,Prince", "Akosua,Abena,Ama",
                   "Mensah,Owusu,Boateng,Asante,Osei,Appiah,Agyeman,Amoah"),
    "cameroon": _pool("Jean,Paul,Emmanuel,Joseph,Serge,Christian,Hervé,Blaise", "Marie,Brigitte,Sandrine",
                      "Mbarga,Nkoulou,Fotso,Tchinda,Ngono,Essomba,Kamga,Abena"),
    "horn": _pool("Tesfaye,Dawit,Yonas,Bereket,Mulugeta,Samuel,Abraham,Kidane,Filmon,Robel,Yohannes,Henok",
                  "Selam,Hiwot,Meron,Senait",
                  "Tesfay,Gebremedhin,Haile,Tekle,Woldemichael,Berhane,Kahsay,Assefa,Girma,Bekele,Mehari",
                  "gff"),
    "somali": _pool("Abdi,Mohamed,Ahmed,Hassan,Abdirahman,Farah,Ali,Omar,Abdullahi", "Amina,Hodan,Fadumo,Sahra",
                    "Warsame,Farah,Hassan,Abdullahi,Jama,Osman,Nur,Yusuf,Egal", "gff"),
    "pakistan": _pool("Muhammad,Imran,Bilal,Usman,Hamza,Asif,Waqas,Zeeshan,Adnan", "Ayesha,Sana,Rabia",
                      "Khan,Ahmed,Butt,Malik,Qureshi,Chaudhry,Iqbal,Shah,Javed"),
    "bangladesh": _pool("Rahim,Karim,Shafiq,Jahid,Rashed,Sumon,Arif,Tanvir", "Nasrin,Shirin,Ruma",
                        "Hossain,Rahman,Islam,Uddin,Ahmed,Miah,Chowdhury,Sarker"),
    "india": _pool("Rahul,Amit,Sandeep,Gurpreet,Harpreet,Vijay,Ravi,Manoj,Jaswinder", "Priya,Simran,Anjali",
                   "Singh,Kumar,Sharma,Patel,Gill,Reddy,Nair,Yadav,Sandhu"),
    "srilanka": _pool("Nuwan,Chaminda,Kasun,Tharindu,Suresh,Pradeep,Sivakumar", "Dilani,Nirosha",
                      "Perera,Fernando,Silva,Jayasuriya,Wickramasinghe,Bandara,Rajendran"),
    "china": _pool("Wei,Jun,Lei,Hao,Jie,Ming,Qiang,Yong,Bo", "Xiaoling,Mei,Yan,Li",
                   "Wang,Li,Zhang,Liu,Chen,Yang,Huang,Zhao,Wu,Zhou", "fg"),
    "vietnam": _pool("Minh,Hung,Tuan,Duc,Long,Nam,Thanh,Quang", "Lan,Huong,Mai",
                     "Nguyen,Tran,Le,Pham,Hoang,Vu,Dang,Bui,Do", "fmg"),
    "mongolia": _pool("Bat-Erdene,Ganbaatar,Tserenbat,Munkh-Orgil,Enkhbold,Altangerel,Temuulen",
                      "Oyunchimeg,Sarangerel", "Batbayar,Dorj,Ganbold,Purevdorj,Tsogt,Erdenebat,Baatar"),
    "turkey": _pool("Mehmet,Mustafa,Ahmet,Ali,Hüseyin,Hasan,İbrahim,Emre,Murat,Serkan", "Ayşe,Elif,Zeynep",
                    "Yılmaz,Kaya,Demir,Şahin,Çelik,Yıldız,Aydın,Öztürk,Arslan,Doğan"),
    "georgia": _pool("Giorgi,Davit,Levan,Irakli,Nika,Zurab,Mamuka,Lasha", "Nino,Tamar,Ana",
                     "Beridze,Kapanadze,Gelashvili,Maisuradze,Tsiklauri,Lomidze,Nozadze,Kvaratskhelia"),
    "armenia": _pool("Aram,Hayk,Narek,Tigran,Armen,Gevorg,Vardan,Arman", "Anahit,Lilit,Mariam",
                     "Petrosyan,Sargsyan,Hakobyan,Grigoryan,Harutyunyan,Karapetyan,Vardanyan,Avetisyan"),
    "azerbaijan": _pool("Elvin,Rashad,Orkhan,Farid,Tural,Ramil,Anar,Elchin", "Leyla,Aynur,Sevinj",
                        "Mammadov,Aliyev,Hasanov,Huseynov,Guliyev,Ismayilov,Abdullayev,Rzayev"),
    "albania": _pool("Arben,Besnik,Ermal,Gentian,Klodian,Dritan,Erion,Fatjon", "Elira,Anisa,Klea",
                     "Hoxha,Shehu,Dervishi,Leka,Gjoka,Marku,Kola,Basha,Cela"),
    "serbia": _pool("Marko,Nikola,Stefan,Miloš,Dragan,Nemanja,Dejan,Vladimir", "Jelena,Milica,Ana",
                    "Jovanović,Petrović,Nikolić,Marković,Đorđević,Stojanović,Ilić,Pavlović"),
    "ukraine": _pool("Oleksandr,Andriy,Dmytro,Serhiy,Vasyl,Yuriy,Mykola,Taras", "Olena,Iryna,Natalia",
                     "Kovalenko,Bondarenko,Tkachenko,Shevchuk,Kravchenko,Melnyk,Boyko,Moroz"),
    "suriname": _pool("Ricardo,Rajesh,Dinesh,Marciano,Romano,Sergio,Anand,Glenn", "Sharda,Rachelle,Shanti",
                      "Ramdin,Sewdien,Pinas,Kartodikromo,Biharie,Linger,Amatsaleh,Tjon"),
}

#: Dutch wording for the notes staff type on the timeline (data, not UI text).
CONTACT_NOTES = {
    "call": ("Consulaire afdeling gebeld; de aanvraag is in behandeling.",
             "Telefonisch naar de stand van zaken gevraagd; antwoord toegezegd.",
             "Gebeld, niemand bereikbaar. Later opnieuw proberen.",
             "Contactpersoon gesproken: het dossier ligt bij de autoriteiten in het land van herkomst."),
    "email": ("Herinnering per e-mail gestuurd.",
              "Per e-mail naar de stand van zaken gevraagd.",
              "Aanvullende stukken per e-mail nagestuurd op verzoek van de ambassade."),
    "note_verbale": ("Rappel per notitie verbale verstuurd.",
                     "Notitie verbale verstuurd met het verzoek om een spoedige reactie.",
                     "Notitie verbale met een overzicht van alle openstaande aanvragen verstuurd."),
    "visit": ("Openstaande aanvragen besproken tijdens een bezoek aan de ambassade.",
              "Werkbezoek aan de consul; de openstaande dossiers doorgenomen."),
}
RECEIPT_NOTE = "Ontvangst van de aanvraag telefonisch bevestigd door de ambassade."
PAUSE_REASONS = ("Wacht op documenten van betrokkene.",
                 "De ambassade vraagt aanvullende gegevens; die worden verzameld.",
                 "Betrokkene is tijdelijk opgenomen in een ziekenhuis.")
RESUME_REASONS = ("Documenten ontvangen en aan de ambassade gestuurd.",
                  "Aanvullende gegevens aan de ambassade verstrekt.")
REFUSAL_NOTES = {
    "nationality_not_established": "De ambassade kan de nationaliteit niet vaststellen op basis van de stukken.",
    "not_recognised": "Betrokkene wordt niet erkend als onderdaan.",
    "unwilling": "Betrokkene verklaarde tijdens het gesprek niet te willen terugkeren; de ambassade honoreert dat.",
    "other": "Geweigerd zonder opgave van redenen.",
}
WITHDRAWAL_NOTES = {
    "departed_independently": "Betrokkene is zelfstandig vertrokken; vertrek gecontroleerd.",
    "absconded": "Betrokkene is met onbekende bestemming vertrokken (MOB).",
    "residence_permit": "Betrokkene heeft een verblijfsvergunning gekregen.",
    "deceased": "Betrokkene is overleden.",
    "other": "Aanvraag ingetrokken in overleg met de ambassade; nieuwe aanvraag volgt mogelijk.",
}
NO_REPLY_NOTE = "Twaalf maanden geen inhoudelijke reactie, ondanks rappels."
DOCUMENT_WORDS = {"passport": "paspoort", "id_card": "identiteitskaart", "birth_certificate": "geboorteakte",
                  "driving_licence": "rijbewijs", "other": "overig document"}
