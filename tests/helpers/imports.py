"""Small real export files for import tests, taken from the shared corpus."""
from django.core.files.uploadedfile import SimpleUploadedFile

from ..conftest import SHARED

EXPORTS = SHARED / "data" / "exports"
ENTREZ = EXPORTS / "entrez"
EMBASE_RIS = EXPORTS / "embase-ris" / "asreview__embase.ris"  # 6 records, BOM
PUBMED_NBIB = EXPORTS / "pubmed-medline" / "biopython__pubmed_result2.txt"  # 4 records
SCOPUS_CSV = EXPORTS / "scopus-csv" / "bibliometrix__scopus_sample.csv"


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def upload_text(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"))


TWO_RIS_RECORDS = """TY  - JOUR
TI  - Blue-light glasses and sleep in shift workers
AU  - Smith, Anna
PY  - 2020
DO  - 10.1000/blue.1
ER  - 

TY  - JOUR
TI  - Amber lenses for insomnia: a randomised trial
AU  - Rossi, Marco
PY  - 2019
DO  - 10.1000/amber.2
ER  - 
"""
