"""Write the awkward CSV corpus under tests/data/csv/ (exact bytes: BOMs, CRLF, Latin-1 ...).

Run ``python tests/data/make_corpus.py`` after changing it; the files are committed, and
tests/unit/test_tabular.py says what each one must parse to.
"""

from pathlib import Path

HERE = Path(__file__).parent / "csv"

FILES: dict[str, bytes] = {
    # plain, then each way real files differ from it
    "basic.csv": b"height,weight,label\n170,70,1\n160,55,0\n180,90,1\n150,45,0\n",
    "bom_utf8.csv": "\ufeffgröße,gewicht,label\n1.5,2,ja\n2.5,3,nein\n3.5,4,ja\n".encode(),
    "latin1.csv": "höhe;poids;boisson\n1;2;café\n3;4;thé\n5;6;café\n".encode("latin-1"),
    "cp1252_euro.csv": "price (€),size,label\n1.5,2,a\n2.5,3,b\n".encode("cp1252"),
    "utf16_tabs.csv": "x\ty\tclass\n1\t2\tred\n3\t4\tblue\n".encode("utf-16"),
    "crlf.csv": b"a,b,y\r\n1,2,0\r\n3,4,1\r\n5,6,0\r\n",
    "cr_only.csv": b"a,b,y\r1,2,0\r3,4,1\r",
    "semicolon_decimal_comma.csv": b"laenge;breite;art\n1,5;2,25;x\n-3,5;4;y\n5;6,75;x\n",
    "tabs.csv": b"a\tb\ty\n1\t2\t0\n3\t4\t1\n",
    "quoted.csv": (b'"Height, cm","say ""hi""",label\n'
                   b'"170","1e3","yes, really"\n'
                   b'160,"2.5","no"\n'
                   b'"150" , 3 ,"multi\nline"\n'),
    "whitespace.csv": b"  a , b\t,  y  \n 1 ,  2 , cat \n3,4,  dog\n",
    "string_labels.csv": (b"x1,x2,species\n1,1,setosa\n2,2,virginica\n3,3,versicolor\n"
                          b"4,4,setosa\n5,5,virginica\n6,6,versicolor\n"),
    "numeric_classes.csv": b"x,grade\n1,10\n2,2\n3,1\n4,10\n5,2\n6,1\n",
    "regression.csv": b"x,price\n1,1.25\n2,2.5\n3,3.75\n4,5.125\n",
    "constant_column.csv": b"a,const,y\n1,7,0\n2,7,1\n3,7,0\n4,7,1\n",
    "html_header.csv": (b"<script>alert(1)</script>,<b>bold</b>,name,y\n"
                        b"1,2,<i>x</i>,0\n3,4,&amp;,1\n"),
    "mixed_feature.csv": b"name,age,city,y\nann,30,oslo,1\nbob,40,rome,0\ncid,35,oslo,1\n",
    "missing_cells.csv": b"a,b,y\n1,2,0\n,4,1\n5,NA,0\n7,8,\n9,?,1\n11,12,1\n",
    "inf.csv": b"a,b,y\n1,inf,0\n2,-Infinity,1\n3,1e400,0\n4,4,1\n5,5,0\n6,1e16,1\n",
    "ragged_short.csv": b"a,b,y\n1,2,0\n3\n5,6,1\n",
    "ragged_long.csv": b"a,b,y\n1,2,0\n3,4,1,9\n5,6,1\n",
    "trailing_columns.csv": b"a,b,y,,\n1,2,0,,\n3,4,1,,\n",
    "trailing_delimiter.csv": b"a,b,y\n1,2,0,\n3,4,1,\n",
    "unnamed_index.csv": b",a,y\n0,1.5,0\n1,2.5,1\n",
    "blank_lines.csv": b"\n\na,y\n\n1,0\n\n2,1\n\n",
    "empty.csv": b"",
    "whitespace_only.csv": b"  \r\n\t\n  ",
    "header_only.csv": b"a,b,y\n",
    "no_header.csv": b"1,2,0\n3,4,1\n",
    "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
    "workbook.csv": b"PK\x03\x04\x14\x00\x06\x00" + bytes(64),
    "duplicate_columns.csv": b"a,b,a\n1,2,3\n4,5,6\n",
    "one_class.csv": b"a,y\n1,yes\n2,yes\n3,yes\n",
    "text_only.csv": b"name,y\nann,1\nbob,0\n",
    "all_rows_bad.csv": b"a,y\n,1\ninf,0\n",
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
