"""Word lists the demo company's people and places are drawn from.

Names are common British ones, so surnames repeat the way they do in a real customer base
(several Smiths, households sharing a surname). Towns are in Northwold's patch around the
Humber, with their real postcode areas and dialling codes, so addresses and landline numbers
look like the ones a Hull telecom actually holds.
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE_NAMES = _words(
    "Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Leo "
    "Alfie Henry Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel "
    "Arthur Lucas Mohammed Logan Theo Harrison Benjamin Mason Sebastian Finley Adam Dylan "
    "Zachary Riley Teddy Theodore David Elijah Jake Toby Louie Reuben Arlo Hugo Luca Jaxon "
    "Matthew Harvey Reggie Michael Tommy Jenson Frankie Ronnie Albie Stanley Gareth Paul "
    "Stephen Andrew Mark Richard Peter Robert John Ian Graham Keith Barry Derek Colin Trevor "
    "Wojciech Piotr Ciaran Rhys Dafydd Ravi Arjun Kwame"
)
FEMALE_NAMES = _words(
    "Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily Evie Sophia Grace Sophie Ivy "
    "Freya Harper Charlotte Florence Willow Rosie Daisy Ruby Millie Phoebe Evelyn Sienna "
    "Alice Matilda Jessica Layla Elsie Sofia Esme Ellie Eliza Maya Emilia Erin Scarlett "
    "Elizabeth Maryam Zara Hannah Aisha Chloe Imogen Lucy Megan Amy Rebecca Laura Sarah "
    "Emma Claire Rachel Nicola Joanne Karen Susan Julie Helen Deborah Tracey Lisa Michelle "
    "Angela Janet Margaret Patricia Sandra Pauline Christine Jean Brenda Shirley Priya Anjali "
    "Agnieszka Katarzyna Siobhan Niamh Aoife Cerys Eilidh"
)
FIRST_NAMES = MALE_NAMES + FEMALE_NAMES

SURNAMES = _words(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner "
    "Martin Cooper Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris "
    "Khan Scott Watson Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey "
    "Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Hussain Marshall "
    "Simpson Price Anderson Adams Wilkinson Ali Ahmed Foster Ellis Murphy Chapman Mason Gray "
    "Richards Webb Griffiths Hunt Palmer Campbell Holmes Mills Rogers Barnes Knight Matthews "
    "Barker Powell Stevens Kaur Dawson Atkinson Lloyd Pearson Fletcher Dixon Butler Gibson "
    "Hudson Naylor Rhodes Sykes Ramsden Stather Coulson Binns Dinsdale Hebblethwaite "
    "Cawood Brough Stephenson Kowalski Nowak O'Brien O'Neill MacDonald Fraser Reid Hamilton"
)

STREET_NAMES = _words(
    "Holderness Beverley Anlaby Hessle Spring Bank Princes Newland Cottingham Chanterlands "
    "Sutton Hedon Marfleet Southcoates Westbourne Park Victoria Albert Alexandra Wellington "
    "Church Mill Station High Market Chapel Queen King Manor School Ferriby Swanland "
    "Willerby Kirkella Sculcoates Drypool Stoneferry Bilton Preston Wyke Humber Minster "
    "Walmgate Micklegate Bootham Heslington Fulford Acomb Clifton Tadcaster Holgate "
    "Cleethorpe Freeman Grimsby Scartho Laceby Ashby Frodingham Brumby Bottesford Messingham"
)
STREET_KINDS = ("Road", "Road", "Street", "Avenue", "Lane", "Grove", "Close", "Drive", "Way")
FLAT_WORDS = ("Flat", "Apartment", "Unit")

COMPANY_WORDS = _words(
    "Humber Quayside Ridings Wolds Minster Holderness Marina Estuary Fenland Carr Ings "
    "Northgate Westgate Castle Abbey Bridge Harbour Trawler Foreshore Beacon Kingfisher"
)
COMPANY_KINDS = (
    "Joinery",
    "Plumbing & Heating",
    "Dental Practice",
    "Accountants",
    "Fisheries",
    "Logistics",
    "Vets",
    "Cafe",
    "Builders",
    "Solicitors",
    "Garage",
    "Florists",
    "Engineering",
    "Print",
    "Lettings",
)

JOB_TITLES = (
    "Customer Service Adviser",
    "Network Engineer",
    "Field Technician",
    "Billing Analyst",
    "Software Developer",
    "Sales Adviser",
    "Team Leader",
    "Data Analyst",
    "HR Business Partner",
    "Fibre Installer",
    "Credit Controller",
    "Marketing Executive",
)
DEPARTMENTS = ("Customer Operations", "Network", "Finance", "Technology", "Sales", "People")

EMAIL_DOMAINS = ("example.com", "example.co.uk", "example.org", "northwold.example")

TICKET_SUBJECTS = (
    "Broadband keeps dropping in the evening",
    "Query about my latest bill",
    "Moving house: transfer my line",
    "Change my direct debit date",
    "No dial tone on landline",
    "Request to go ex-directory",
    "Nuisance calls",
    "Upgrade to full fibre",
    "Router replacement",
    "Cancel my contract",
)
CAMPAIGNS = (
    "full-fibre-upgrade",
    "spring-sim-only",
    "business-voip-launch",
    "loyalty-discount",
    "tv-bundle-trial",
    "referral-reward",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
)


class Town(NamedTuple):
    """A town with its postcode area, the districts used there and its dialling code."""

    name: str
    area: str
    districts: tuple[int, ...]
    dialling_code: str
    #: How many weight units the town gets: Hull is Northwold's heartland.
    weight: int


TOWNS = (
    Town("Hull", "HU", (1, 2, 3, 4, 5, 6, 7, 8, 9), "1482", 10),
    Town("Cottingham", "HU", (16,), "1482", 2),
    Town("Hessle", "HU", (13,), "1482", 2),
    Town("Beverley", "HU", (17,), "1482", 2),
    Town("Hornsea", "HU", (18,), "1964", 1),
    Town("Withernsea", "HU", (19,), "1964", 1),
    Town("Driffield", "YO", (25,), "1377", 1),
    Town("Bridlington", "YO", (15, 16), "1262", 1),
    Town("York", "YO", (1, 10, 23, 24, 26, 30, 31), "1904", 2),
    Town("Goole", "DN", (14,), "1405", 1),
    Town("Grimsby", "DN", (31, 32, 33, 34), "1472", 2),
    Town("Scunthorpe", "DN", (15, 16, 17), "1724", 1),
    Town("Leeds", "LS", (1, 2, 6, 7, 8, 11, 17), "113", 1),
    Town("Sheffield", "S", (1, 2, 7, 10, 11), "114", 1),
)

#: Letters that never appear in the inward part of a UK postcode.
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
