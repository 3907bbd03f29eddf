#!/usr/bin/env python2
# Prints what Python 2's ConfigParser (the reader of CherryPy 0.10) gives for each RootServer.cfg text
# of a JSON array on stdin: {section: {option: value}} with every option of cp.options(section),
# interpolated by cp.get(), or "ERROR <exception>". test/config/configparser.test.ts holds its output
# for the texts listed there, so the suite needs no Python. Usage:
#   echo '["[server]\nsocketPort: 8080\n"]' | python2 scripts/configparser-oracle.py
import ConfigParser, StringIO, json, sys

out = []
for text in json.load(sys.stdin):
    cp = ConfigParser.ConfigParser()
    try:
        cp.readfp(StringIO.StringIO(text))
    except Exception as e:
        out.append("ERROR " + type(e).__name__)
        continue
    result = {}
    for section in cp.sections():
        result[section] = {}
        for option in cp.options(section):
            try:
                result[section][option] = cp.get(section, option)
            except Exception as e:
                result[section][option] = "ERROR " + type(e).__name__
    out.append(result)
print json.dumps(out, indent=1, sort_keys=True)
