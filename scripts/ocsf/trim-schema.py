"""Trims a compiled OCSF schema (ocsf-lib's `python -m ocsf.compile` output, on stdin) to what
ebpipe's OCSF tests check, on stdout: the classes ebpipe maps to, every object they reach, with
each attribute's requirement, type, array-ness, profile, enum values and deprecation."""
import json
import sys

CLASSES = ['base_event', 'process_activity', 'file_activity', 'network_activity',
           'kernel_extension_activity', 'detection_finding']


def attribute(a):
    out = {'requirement': a['requirement'], 'type': a['type']}
    if a.get('is_array'):
        out['is_array'] = True
    if a.get('profile'):
        out['profile'] = a['profile']
    if a.get('enum'):
        out['enum'] = {k: v['caption'] for k, v in a['enum'].items()}
    if a.get('@deprecated'):
        out['deprecated'] = True
    return out


def main():
    schema = json.load(sys.stdin)
    objects, pending = {}, []

    def attributes(item):
        result = {}
        for name in sorted(item['attributes']):
            a = item['attributes'][name]
            result[name] = attribute(a)
            if a['type'] in schema['objects'] and a['type'] not in objects and a['type'] not in pending:
                pending.append(a['type'])
        return result

    classes = {}
    for name in CLASSES:
        c = schema['classes'][name]
        category = schema['categories'].get(c.get('category'))
        classes[name] = {
            'uid': c['uid'],
            'caption': c['caption'],
            'category_uid': category['uid'] if category else 0,
            'attributes': attributes(c),
        }
    while pending:
        name = pending.pop()
        objects[name] = None
        objects[name] = {'caption': schema['objects'][name]['caption'],
                         'attributes': attributes(schema['objects'][name])}
    types = {name: t.get('type') or name for name, t in schema['types'].items()}
    json.dump({'version': schema['version'], 'classes': classes,
               'objects': dict(sorted(objects.items())), 'types': types}, sys.stdout, indent=1)
    sys.stdout.write('\n')


main()
