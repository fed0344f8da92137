"""Packaging for avgas, driven by settings.ini (the nbdev 2 convention)."""
from configparser import ConfigParser
from pathlib import Path
import setuptools

assert int(setuptools.__version__.split('.')[0]) >= 36, 'please upgrade setuptools'

config = ConfigParser(delimiters=['='])
config.read(Path(__file__).parent / 'settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
status_names = '1 - Planning,2 - Pre-Alpha,3 - Alpha,4 - Beta,5 - Production/Stable'.split(',')
lic = licenses[cfg['license']]

def split_requirements(key):
    # settings.ini separates requirements by spaces; a specifier like ">=1,<2" has none inside it
    return cfg.get(key, '').split()

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=(Path(__file__).parent / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'],
    license=lic[0],
    url=cfg['git_url'],
    keywords=cfg['keywords'],
    classifiers=['Development Status :: ' + status_names[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'License :: ' + lic[1],
                 'Natural Language :: ' + cfg['language'].title(),
                 'Programming Language :: Python :: 3'],
    python_requires='>=' + cfg['min_python'],
    packages=setuptools.find_packages(include=['avgas', 'avgas.*']),
    include_package_data=True,
    package_data={'avgas': ['weights/*.safetensors', 'weights/*.json', 'configs/*.yaml', 'cli_options.json']},
    install_requires=split_requirements('requirements'),
    # [real]: what only the real (VGGSound) world's judges need; [dev] (notebooks, tests) includes it, since the tests run those code paths
    extras_require={'real': split_requirements('real_requirements'),
                    'dev': split_requirements('dev_requirements') + split_requirements('real_requirements')},
    entry_points={'console_scripts': cfg['console_scripts'].split(),
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
