use super::*;

fn car_manifest() -> Manifest {
    Manifest::from_json(
        r#"{
        "format_version": 1,
        "name": "cars",
        "task": "regression",
        "signature": {
            "inputs": [
                {"name": "Horsepower", "type": "numeric", "min": 55, "max": 300, "default": 140},
                {"name": "Type", "type": "categorical", "categories": ["Small", "Van"]},
                {"name": "Manual", "type": "boolean"}
            ],
            "outputs": [{"name": "Price", "type": "numeric", "onnx_output": "variable", "column": 0}]
        },
        "preprocessing": {
            "onnx_input": "features",
            "features": [
                {"encode": "numeric", "field": "Horsepower", "center": 100, "scale": 2},
                {"encode": "one_hot", "field": "Type", "category": "Small"},
                {"encode": "one_hot", "field": "Type", "category": "Van"},
                {"encode": "ordinal", "field": "Type"},
                {"encode": "boolean", "field": "Manual"}
            ]
        }
    }"#,
    )
    .unwrap()
}

#[test]
fn encodes_csv_rows_with_defaults_and_na() {
    let m = car_manifest();
    let t = Table::from_csv(b"\xEF\xBB\xBF\"\",Horsepower,Type,Manual\n1,120,Van,Yes\n2,NA,Small,no\n").unwrap();
    assert_eq!(m.encode(&t).unwrap(), vec![10.0, 0.0, 1.0, 1.0, 1.0, 20.0, 1.0, 0.0, 0.0, 0.0]);
}

/// A field read as number-or-NaN gives NaN for a missing cell, default or
/// not; a cell that is there is still validated.
#[test]
fn number_or_nan_passes_missing_cells_as_nan() {
    let mut m = car_manifest();
    m.preprocessing.features =
        vec![Feature::NumberOrNan { field: "Horsepower".into() }, Feature::Ordinal { field: "Type".into() }];
    m.validate().unwrap();
    let t = Table::from_csv(b"Horsepower,Type,Manual\n120,Van,yes\nNA,Small,no\n").unwrap();
    let x = m.encode(&t).unwrap();
    assert_eq!((x[0], x[1], x[3]), (120.0, 1.0, 0.0));
    assert!(x[2].is_nan());
    let t = Table::from_csv(b"Horsepower,Type,Manual\nfast,Van,yes\n").unwrap();
    assert!(m.encode(&t).unwrap_err().to_string().contains("row 1, field `Horsepower`: expected a number"));
    m.preprocessing.features.push(Feature::NumberOrNan { field: "Type".into() });
    assert!(m.validate().unwrap_err().to_string().contains("field `Type`"));
    assert!(Manifest::from_json(&m.to_json()).unwrap_err().to_string().contains("field `Type`"));
}

#[test]
fn row_errors_name_row_field_and_reason() {
    let m = car_manifest();
    let t = Table::from_json(
        r#"[{"Horsepower": "fast", "Type": "Small", "Manual": true},
            {"Horsepower": 1, "Type": "Truck", "Manual": true},
            {"Horsepower": 1, "Type": "Van"},
            {"Horsepower": 1, "Type": "Van", "Manual": "maybe"}]"#,
    )
    .unwrap();
    let err = m.encode(&t).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid input (4 problems):\n  \
         row 1, field `Horsepower`: expected a number, found \"fast\"\n  \
         row 2, field `Type`: unknown category \"Truck\"; expected one of \"Small\", \"Van\"\n  \
         row 3, field `Manual`: missing value, and the field has no default\n  \
         row 4, field `Manual`: expected yes/no (or true/false, 1/0), found \"maybe\""
    );
}

#[test]
fn nan_and_infinity_are_refused() {
    let m = car_manifest();
    let t = Table::from_csv(b"Horsepower,Type,Manual\nNaN,Van,1\ninf,Van,0\n").unwrap();
    let err = m.encode(&t).unwrap_err().to_string();
    assert!(err.contains("row 1, field `Horsepower`: NaN is not allowed"), "{err}");
    assert!(err.contains("row 2, field `Horsepower`: inf is not allowed"), "{err}");
}

#[test]
fn future_format_is_a_clear_error() {
    let err = Manifest::from_json(r#"{"format_version": 7, "anything": "new"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the model was written with manifest format version 7, but this runtime reads up to version 1; upgrade citizen to use it"
    );
}

#[test]
fn inconsistent_manifest_is_refused() {
    let mut m = car_manifest();
    m.preprocessing.features.push(Feature::OneHot { field: "Horsepower".into(), category: "x".into() });
    assert!(m.validate().unwrap_err().to_string().contains("field `Horsepower`"));
    let mut m = car_manifest();
    m.preprocessing.features.push(Feature::Boolean { field: "Colour".into() });
    assert!(m.validate().unwrap_err().to_string().contains("`Colour`"));
}

#[test]
fn manifest_round_trips_through_json() {
    let m = car_manifest();
    assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
}

#[test]
fn tables_from_every_json_shape() {
    let rows = Table::from_json(r#"[{"a": 1, "b": "x"}, {"b": "y"}]"#).unwrap();
    let cols = Table::from_json(r#"{"a": [1, null], "b": ["x", "y"]}"#).unwrap();
    assert_eq!(rows, cols);
    let lines = Table::from_json_lines("{\"a\": 1, \"b\": \"x\"}\n\n{\"b\": \"y\"}\n").unwrap();
    assert_eq!(rows, lines);
    let one = Table::from_json(r#"{"a": 1, "b": "x"}"#).unwrap();
    assert_eq!(one.len(), 1);
    let arrays = Table::from_json("[[1, 2], [3, 4]]").unwrap();
    assert_eq!(arrays.columns(), ["column_1", "column_2"]);
}

#[test]
fn bad_tables_are_clear_errors() {
    let e = Table::from_csv(b"a,b\n1,2\n3\n").unwrap_err().to_string();
    assert_eq!(e, "line 3: the row has 1 fields, but the header has 2");
    let e = Table::from_json(r#"{"a": [1, 2], "b": [1]}"#).unwrap_err().to_string();
    assert_eq!(e, "column `b` has 1 values, column `a` has 2");
    let e = Table::from_json("[1, 2]").unwrap_err().to_string();
    assert_eq!(e, "row 1: expected an object of field values, found a number");
    let e = Table::from_json_lines("{\"a\": 1}\n{oops\n").unwrap_err().to_string();
    assert!(e.starts_with("line 2: invalid JSON"), "{e}");
    assert!(Table::from_csv(b"\xff\xfe,a\n1,2\n").is_err());
}

#[test]
fn csv_rows_stream_the_from_csv_dialect_and_go_on_after_a_bad_row() {
    // A reader that gives one byte at a time: the byte-order mark and quoted
    // fields are read across reads.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }
    let text = b"\xEF\xBB\xBF\"\", a ,b\n1,\"x, y\",NA\n2,only\n3,\"q\"\"\",\n";
    let mut rows = crate::CsvRows::new(Trickle(text)).unwrap();
    assert_eq!(rows.columns(), ["", "a", "b"]);
    let mut record = crate::CsvFields::new();
    let mut table = Table::new(rows.columns().to_vec());
    let mut bad = Vec::new();
    loop {
        match rows.read_record(&mut record).unwrap() {
            crate::CsvRecord::Row => table.push_csv_record(&record),
            crate::CsvRecord::Bad(reason) => bad.push(reason),
            crate::CsvRecord::End => break,
        }
    }
    assert_eq!(bad, ["line 3: the row has 2 fields, but the header has 3"]);
    assert_eq!(table.len(), 2);
    assert_eq!(table.row(0), [Cell::Text("1".into()), Cell::Text("x, y".into()), Cell::Missing]);
    assert_eq!(table.row(1), [Cell::Text("3".into()), Cell::Text("q\"".into()), Cell::Missing]);
    assert_eq!(rows.bytes_read(), text.len() as u64 - 3);
    // Table::from_csv reads the same dialect and stops at the bad row.
    let e = Table::from_csv(text).unwrap_err().to_string();
    assert_eq!(e, "line 3: the row has 2 fields, but the header has 3");
}

#[test]
fn parse_number_is_the_standard_parser() {
    let mut cases: Vec<String> = [
        "0",
        "-0",
        "+0",
        "1.8",
        "15.9",
        "0.1",
        ".5",
        "5.",
        "-.5",
        "+7",
        " 42 ",
        "\t3.25\n",
        "1e3",
        "1E-3",
        "inf",
        "-inf",
        "NaN",
        "nan",
        "infinity",
        "",
        ".",
        "-",
        "+",
        "1.2.3",
        "1,5",
        "0x10",
        "١٢",
        "\u{3000}12\u{3000}",
        "9007199254740993",
        "9007199254740992",
        "9007199254740992.5",
        "12345678901234567890",
        "0.0000000000000000000001",
        "0.00000000000000000000001",
        "123456789012345678.9",
        "00000000000000000001.5",
        "1_000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Seeded random decimals of every length and scale.
    let mut state: u64 = 1;
    for _ in 0..200_000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let digits = (state >> 59) as usize + 1;
        let mut s: String = (0..digits).map(|i| char::from(b'0' + ((state >> (i * 3 % 50)) % 10) as u8)).collect();
        let point = (state >> 40) as usize % (digits + 2);
        if point <= digits && state & 1 == 0 {
            s.insert(point, '.');
        }
        if state & 2 == 0 {
            s.insert(0, '-');
        }
        cases.push(s);
    }
    for s in &cases {
        let expected = s.trim().parse::<f64>().ok();
        let got = crate::parse_number(s);
        assert_eq!(got.map(f64::to_bits), expected.map(f64::to_bits), "{s:?}: {got:?} vs {expected:?}");
        assert_eq!(Cell::Text(s.clone()).as_f64().map(f64::to_bits), expected.map(f64::to_bits), "{s:?}");
    }
}

mod drift {
    use crate::drift::{Shape, field_drift, profile};
    use crate::{Cell, Field, FieldKind};

    fn number_field() -> Field {
        serde_json::from_value(serde_json::json!({"name": "x", "type": "numeric"})).unwrap()
    }

    fn category_field() -> Field {
        serde_json::from_value(serde_json::json!({"name": "c", "type": "categorical", "categories": ["a", "b", "c"]}))
            .unwrap()
    }

    fn numbers(n: usize, scale: f64, shift: f64) -> Vec<Cell> {
        // A deterministic spread of values (a low-discrepancy sequence).
        (0..n).map(|i| Cell::Number(shift + scale * ((i as f64 * 0.618_033_988_7) % 1.0))).collect()
    }

    #[test]
    fn the_same_numbers_are_stable_and_moved_ones_drift() {
        let f = number_field();
        assert!(matches!(f.kind, FieldKind::Numeric { .. }));
        let train = numbers(2000, 100.0, 0.0);
        let p = profile(&f, &train.iter().collect::<Vec<_>>());
        let Shape::Numbers { edges, shares } = &p.shape else { panic!("{p:?}") };
        assert_eq!(edges.len(), 9);
        assert!(shares.iter().all(|s| (s - 0.1).abs() < 0.01), "{shares:?}");
        let same = numbers(500, 100.0, 0.0);
        let d = field_drift(&f, &p, &same.iter().collect::<Vec<_>>());
        assert!(d.psi < 0.02 && d.level == "stable", "{d:?}");
        let moved = numbers(500, 100.0, 40.0);
        let d = field_drift(&f, &p, &moved.iter().collect::<Vec<_>>());
        assert!(d.psi > 0.25 && d.level == "drifted", "{d:?}");
        assert_eq!(d.moved[0].0, "> 89.933", "{d:?}");
        // Missing cells where training had none.
        let mut holes = numbers(500, 100.0, 0.0);
        holes.iter_mut().step_by(4).for_each(|c| *c = Cell::Missing);
        let d = field_drift(&f, &p, &holes.iter().collect::<Vec<_>>());
        assert_eq!((d.missing_then, d.missing_now), (0.0, 0.25));
        assert_eq!(d.level, "drifted", "{d:?}");
    }

    #[test]
    fn category_shares_that_change_drift() {
        let f = category_field();
        let text = |s: &str| Cell::Text(s.to_string());
        let train: Vec<Cell> = (0..1000).map(|i| text(["a", "a", "b", "c"][i % 4])).collect();
        let p = profile(&f, &train.iter().collect::<Vec<_>>());
        let Shape::Categories { shares } = &p.shape else { panic!("{p:?}") };
        assert_eq!((shares["a"], shares["b"]), (0.5, 0.25));
        let d = field_drift(&f, &p, &train[..400].iter().collect::<Vec<_>>());
        assert_eq!(d.level, "stable", "{d:?}");
        let now: Vec<Cell> = (0..400).map(|i| text(["a", "c", "c", "c"][i % 4])).collect();
        let d = field_drift(&f, &p, &now.iter().collect::<Vec<_>>());
        assert_eq!(d.level, "drifted", "{d:?}");
        // A value training never saw counts in its own bin.
        let now: Vec<Cell> = (0..400).map(|i| text(["a", "a", "b", "z"][i % 4])).collect();
        let d = field_drift(&f, &p, &now.iter().collect::<Vec<_>>());
        assert!(d.moved.iter().any(|m| m.0 == "other" && m.2 == 0.25), "{d:?}");
    }
}

#[test]
fn a_csv_line_is_the_record_as_written_without_its_line_end() {
    let rec = |fields: &[&str]| crate::CsvFields::from_fields(fields);
    let line = |span: &'static [u8], fields: &[&str]| crate::csv_line(span, &rec(fields)).map(|r| &span[r]);
    assert_eq!(line(b"a,b,\n", &["a", "b", ""]), Some(&b"a,b,"[..]));
    assert_eq!(line(b"\n\r\na,b", &["a", "b"]), Some(&b"a,b"[..]), "blank lines before, no line end");
    assert_eq!(line(b"a,b\r\n", &["a", "b"]), Some(&b"a,b"[..]), "a CRLF line end");
    assert_eq!(line(b"a,b\r", &["a", "b"]), Some(&b"a,b"[..]), "a CR line end");
    assert_eq!(line(b"\"a\",b\n", &["a", "b"]), Some(&b"\"a\",b"[..]), "quotes kept");
    let multi = b"\"x, \"\"y\"\"\r\nz\",1\r\n";
    assert_eq!(line(multi, &["x, \"y\"\r\nz", "1"]), Some(&multi[..multi.len() - 2]), "a field over two lines");
    assert_eq!(line(b"\"a,b", &["a,b"]), None, "a quote left open at the end of the file");
    assert_eq!(line(b"a,b,c\n", &["a", "b"]), None, "not these fields");
    assert_eq!(line(b"\n\n", &[""]), None);
}

#[test]
fn a_reader_keeping_lines_gives_each_records_bytes() {
    let text = "\u{feff}x,y\n1,2\r\n\n\"3\",4\n5,6";
    let mut rows = crate::CsvRows::keeping_lines(text.as_bytes()).unwrap();
    let mut record = crate::CsvFields::new();
    let mut spans = Vec::new();
    loop {
        let start = rows.bytes_read();
        if rows.read_record(&mut record).unwrap() == crate::CsvRecord::End {
            break;
        }
        spans.push(String::from_utf8(rows.kept(start, rows.bytes_read()).unwrap().to_vec()).unwrap());
    }
    assert_eq!(spans.concat(), "1,2\r\n\n\"3\",4\n5,6");
    assert_eq!(spans.last().unwrap(), "5,6");
    let end = rows.bytes_read();
    rows.forget_before(end);
    assert_eq!(rows.kept(0, end), None, "forgotten");
    // Taking the bytes read is forgetting them, with the bytes in hand.
    let mut rows = crate::CsvRows::keeping_lines(text.as_bytes()).unwrap();
    let first = rows.bytes_read();
    rows.forget_before(first);
    rows.read_record(&mut record).unwrap();
    rows.read_record(&mut record).unwrap();
    let last = rows.bytes_read();
    assert_eq!(rows.take_kept(last, vec![1, 2, 3]), b"1,2\r\n\n\"3\",4\n");
    assert_eq!(rows.kept(first, last), None, "taken");
    rows.read_record(&mut record).unwrap();
    assert_eq!(rows.kept(last, rows.bytes_read()), Some(&b"5,6"[..]), "read on in the spare buffer");
}

#[test]
fn json_rows_give_one_table_however_their_keys_are_ordered() {
    let one = serde_json::json!({ "b": 1, "a": "x", "c": null });
    let t = Table::from_json_value(&one).unwrap();
    assert_eq!(t, Table::from_json_value(&serde_json::json!([one])).unwrap());
    assert_eq!(t.columns(), ["b", "a", "c"]);
    // Later rows with the keys in another order, or fewer of them.
    let rows =
        serde_json::json!([{ "b": 1, "a": "x" }, { "a": "y", "b": 2 }, { "b": 3 }, { "b": 4, "a": "z", "c": 5 }]);
    let t = Table::from_json_value(&rows).unwrap();
    assert_eq!(t.columns(), ["b", "a", "c"]);
    let (n, s, m) = (Cell::Number, |x: &str| Cell::Text(x.into()), Cell::Missing);
    let cells: Vec<Vec<Cell>> = t.rows().map(|r| r.to_vec()).collect();
    assert_eq!(
        cells,
        [
            vec![n(1.0), s("x"), m.clone()],
            vec![n(2.0), s("y"), m.clone()],
            vec![n(3.0), m.clone(), m.clone()],
            vec![n(4.0), s("z"), n(5.0)]
        ]
    );
}

/// `{}` is a row, but a table without columns has no rows: it is an error
/// that says so, not an empty table (which predicts nothing, silently).
#[test]
fn rows_without_fields_are_an_error() {
    for text in [r#"{}"#, r#"[{}]"#, r#"[{}, {}]"#, r#"[[]]"#] {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let e = Table::from_json_value(&value).unwrap_err().to_string();
        assert!(e.contains("row 1 has no fields"), "{text}: {e}");
    }
    let t = Table::from_json_value(&serde_json::json!([{}, { "a": 1 }])).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t.row(0), [Cell::Missing]);
    assert!(Table::from_json_value(&serde_json::json!([])).unwrap().is_empty());
}

/// With a default for every field, rows of none of the fields would be
/// predicted from defaults alone: they are an error. A file must have a
/// column for each field without a default, and at least one field.
#[test]
fn rows_and_files_of_none_of_the_fields_are_an_error() {
    let mut m = car_manifest();
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let e = m.check_columns(&cols(&["a", "Horsepower"])).unwrap_err().to_string();
    assert!(e.starts_with("the file has no column `Type`, `Manual`, which the model needs"), "{e}");
    m.signature.inputs[1].default = Some(serde_json::json!("Small"));
    m.signature.inputs[2].default = Some(serde_json::json!(true));
    m.validate().unwrap();
    let rows = |v: serde_json::Value| Table::from_json_value(&v).unwrap();
    let e = m.encode(&rows(serde_json::json!([{ "a": 1 }]))).unwrap_err().to_string();
    assert!(
        e.starts_with("the rows have none of the model's fields: their columns are `a`; the model takes `Horsepower`"),
        "{e}"
    );
    assert_eq!(m.encode(&rows(serde_json::json!([{ "a": 1, "Type": "Van" }]))).unwrap().len(), 5);
    assert!(m.encode(&Table::new(vec!["a".into()])).unwrap().is_empty(), "no rows, nothing to say");
    let e = m.check_columns(&cols(&["a", "b"])).unwrap_err().to_string();
    assert!(e.starts_with("the file has none of the model's fields: its columns are `a`, `b`"), "{e}");
    m.check_columns(&cols(&["a", "Manual"])).unwrap();
    m.check_columns(&[]).unwrap(); // an empty JSON Lines file: no columns, no rows
}

#[test]
fn json_read_field_by_field_is_the_json_value() {
    let texts = [
        r#"{"a": 1, "b": "x", "c": null, "d": true}"#,
        r#"{"a": 1, "b": 2, "a": 3}"#,
        r#"{"a": [1, 2], "b": ["x", "y"]}"#,
        r#"{"a": [1, 2], "b": [1]}"#,
        r#"{"a": [1, 2], "b": 3}"#,
        r#"{"a": {"nested": [1]}, "b": -2.5e3, "c": 18446744073709551615}"#,
        r#"{}"#,
        r#"[{"a": 1}, {"b": 2}]"#,
        r#"[[1, 2], [3, 4]]"#,
        r#"[]"#,
        r#"3"#,
        r#""text""#,
        r#"null"#,
    ];
    for text in texts {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let input: JsonInput = serde_json::from_str(text).unwrap();
        let same = |t: Result<Table, Error>| t.map_err(|e| e.to_string());
        assert_eq!(same(input.clone().into_table()), same(Table::from_json_value(&value)), "{text}");
        assert_eq!(input.is_object_or_array(), value.is_object() || value.is_array(), "{text}");
        assert_eq!(input.into_value(), value, "{text}");
    }
    for bad in [r#"{"a": 1,}"#, r#"{"a" 1}"#, "[1, 2", "", "{} x"] {
        let e = serde_json::from_str::<JsonInput>(bad).unwrap_err().to_string();
        assert_eq!(e, serde_json::from_str::<serde_json::Value>(bad).unwrap_err().to_string(), "{bad}");
    }
}

/// Encoding CSV records from their text is encoding the table they make:
/// the same numbers (bit for bit, NaN included) and the same errors, for
/// the cells the shortcut takes and for those it leaves to the cell.
#[test]
fn csv_records_encode_as_the_table_they_make() {
    let mut nan = car_manifest();
    nan.preprocessing.features.insert(0, Feature::NumberOrNan { field: "Horsepower".into() });
    nan.validate().unwrap();
    let files: [&[u8]; 4] = [
        b"Horsepower,Type,Manual,Other\n120,Van,yes,x\n 90 ,Small,NO,\nNA,Van,1,y\n,Small,f,z\n\
          null,Van,  true ,\n1e2,Small,T,\n-0,Van,n,\n150.25,Small,FALSE,\n",
        b"Horsepower,Type,Manual\ninf,Van,yes\nNaN,Small,no\nfast,Van,yes\n120, Van,yes\n120,NA,yes\n\
          120,van,yes\n120,Small,2\n120,Small,\n120,,no\n12345678901234567890,Van,yes\n",
        // No `Manual` column: every row lacks it.
        b"Type,Horsepower\nVan,120\nSmall,NA\n",
        b"\xEF\xBB\xBFManual,Type,Horsepower\nyes,Small,3.5\n",
    ];
    // Over many rows, in several tiles of encode_by_field (the last one short).
    let mut long = String::from("Horsepower,Type,Manual,Other\n");
    for k in 0..150 {
        let (kind, manual) = (["Van", "Small"][k % 2], ["no", "yes"][usize::from(k % 3 == 0)]);
        long += &format!("{}.5,{kind},{manual},{k}\n", 50 + k);
    }
    let long = long.into_bytes();
    // A category that reads as missing in CSV (`NA`): such a cell is missing all the same.
    let mut listed_na = car_manifest();
    if let FieldKind::Categorical { categories } = &mut listed_na.signature.inputs[1].kind {
        categories.push("NA".into());
    }
    listed_na.validate().unwrap();
    for m in [car_manifest(), nan, listed_na] {
        let encoder = m.encoder();
        for file in files.into_iter().chain([long.as_slice()]) {
            let table = Table::from_csv(file).unwrap();
            let mut rows = CsvRows::new(file).unwrap();
            let mut records = Vec::new();
            let mut record = crate::CsvFields::new();
            while let CsvRecord::Row = rows.read_record(&mut record).unwrap() {
                records.push(record.clone());
            }
            assert_eq!(records.len(), table.len());
            let bits = |r: Result<Vec<f32>, Error>| {
                r.map(|x| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).map_err(|e| e.to_string())
            };
            let (by_text, by_cell) = (encoder.encode_csv(rows.columns(), &records), encoder.encode(&table));
            assert_eq!(bits(by_text), bits(by_cell), "{}", String::from_utf8_lossy(file));
        }
    }
    // The files above hold both good rows and refused ones.
    let table = Table::from_csv(files[1]).unwrap();
    assert!(car_manifest().encode(&table).is_err());
    assert!(car_manifest().encode(&Table::from_csv(files[0]).unwrap()).is_ok());
}

/// What a CSV reader made of one record, for comparing two readers.
#[derive(Debug, PartialEq)]
enum Read {
    Row(Vec<String>),
    Width(u64),
    NotText,
}

/// A reader that gives a few bytes at a time: records, quoted fields and
/// line ends are cut across reads.
struct Pieces<'a> {
    bytes: &'a [u8],
    seed: u64,
}

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let n = ((self.seed >> 33) as usize % 7 + 1).min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
fn csv_rows_read_what_the_csv_crate_reads() {
    // Random texts of pieces that matter to CSV, read by CsvRows and by the
    // csv crate's reader: the same header, rows, bad rows and offsets.
    const PIECES: [&[u8]; 12] =
        [b"a", b"bc", b",", b",", b"\"", b"\r", b"\n", b"\n", b" ", "é".as_bytes(), "\u{feff}".as_bytes(), b"\xff"];
    let mut seed = 7u64;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let (mut cases, mut split_here) = (0, 0);
    for case in 0..5_000 {
        // Every other text has long lines (few line ends), so fields and
        // quotes cross the splitter's 64-byte blocks.
        let long = case % 2 == 1;
        let len = if long { next(400) } else { next(50) };
        let mut text = if long { b"a,b\n".to_vec() } else { Vec::new() };
        for _ in 0..len {
            let piece = PIECES[next(PIECES.len() as u64) as usize];
            let line_end = piece == b"\r" || piece == b"\n";
            text.extend_from_slice(if long && line_end && next(12) != 0 { b"ab" } else { piece });
        }
        if text.starts_with("\u{feff}".as_bytes()) {
            text.insert(0, b'a'); // the byte-order mark is tested on its own
        }
        let mut expected = Vec::new();
        let mut reference = csv::Reader::from_reader(text.as_slice());
        let header = reference.headers().map(|h| h.iter().map(|f| f.trim().to_string()).collect::<Vec<_>>());
        let header = header.ok().filter(|h| !h.is_empty());
        let mut reference_record = csv::StringRecord::new();
        loop {
            let read = match reference.read_record(&mut reference_record) {
                Ok(false) => break,
                Ok(true) => Read::Row(reference_record.iter().map(String::from).collect()),
                Err(e) => match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => Read::Width(*len),
                    csv::ErrorKind::Utf8 { .. } => Read::NotText,
                    _ => panic!("{e}"),
                },
            };
            expected.push((read, reference.position().byte()));
        }
        let mut record = CsvFields::new();
        for pieces in [false, true] {
            let input: Box<dyn std::io::Read> =
                if pieces { Box::new(Pieces { bytes: &text, seed: case }) } else { Box::new(text.as_slice()) };
            let shown = String::from_utf8_lossy(&text);
            let mut rows = match CsvRows::new(input) {
                Ok(rows) => rows,
                Err(e) => {
                    assert_eq!(header, None, "{shown:?}: {e}");
                    continue;
                }
            };
            assert_eq!(Some(rows.columns().to_vec()), header, "{shown:?}");
            let mut got = Vec::new();
            loop {
                let before = rows.bytes_read() as usize;
                let read = match rows.read_record(&mut record).unwrap() {
                    CsvRecord::End => break,
                    CsvRecord::Row => {
                        // A line the splitter read is the one csv_line finds.
                        if let Some(line) = rows.last_line() {
                            let span = &text[before..rows.bytes_read() as usize];
                            let found = crate::csv_line(span, &record).map(|l| before + l.start..before + l.end);
                            assert_eq!(Some(line.start as usize..line.end as usize), found, "{shown:?}");
                            split_here += 1;
                        }
                        Read::Row(record.iter().map(String::from).collect())
                    }
                    CsvRecord::Bad(reason) if reason.contains("not valid UTF-8") => Read::NotText,
                    CsvRecord::Bad(reason) => {
                        let (_, after) = reason.split_once("the row has ").unwrap();
                        Read::Width(after.split(' ').next().unwrap().parse().unwrap())
                    }
                };
                got.push((read, rows.bytes_read()));
            }
            assert_eq!(got, expected, "{shown:?}");
            cases += 1;
        }
    }
    assert!(cases > 5_000, "most texts have a header: {cases}");
    assert!(split_here > 2_000, "many rows are split here: {split_here}");
}

#[test]
fn csv_errors_name_the_line_the_row_is_on() {
    let bad = |text: &str| {
        let mut rows = CsvRows::new(text.as_bytes()).unwrap();
        let mut record = crate::CsvFields::new();
        loop {
            match rows.read_record(&mut record).unwrap() {
                CsvRecord::Row => {}
                CsvRecord::Bad(reason) => return reason,
                CsvRecord::End => panic!("no bad row in {text:?}"),
            }
        }
    };
    let wide = "line 3: the row has 3 fields, but the header has 2";
    assert_eq!(bad("a,b\n1,2\n1,2,3\n"), wide);
    assert_eq!(bad("a,b\r\n1,2\r\n1,2,3\r\n"), wide, "CRLF line ends");
    assert_eq!(bad("a,b\n\n\n1,2,3\n"), "line 4: the row has 3 fields, but the header has 2", "after blank lines");
    assert_eq!(
        bad("a,b\n\"1\n2\",2\n1,2,3\n"),
        "line 4: the row has 3 fields, but the header has 2",
        "after a field over two lines"
    );
    let mut bytes = b"a,b\n1,2\nx,\xff\n".to_vec();
    let mut rows = CsvRows::new(bytes.as_slice()).unwrap();
    let mut record = crate::CsvFields::new();
    rows.read_record(&mut record).unwrap();
    assert_eq!(
        rows.read_record(&mut record).unwrap(),
        CsvRecord::Bad("line 3: the CSV is not valid UTF-8 text".into())
    );
    bytes[0] = b'\xff';
    let e = CsvRows::new(bytes.as_slice()).err().unwrap().to_string();
    assert_eq!(e, "line 1: the CSV is not valid UTF-8 text");
}
