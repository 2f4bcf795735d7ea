// Type-aware linting; `npm run lint`. Formatting is prettier's.
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint/layers.js';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'bpf/build/',
      'native/build/',
      'src/events/generated/',
      'bin/',
      'eslint.config.js',
      'eslint/',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { ebpipe: layersPlugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'no export *: name what you export' },
      ],
      // eslint/layers.js: a lower folder never imports a higher one.
      'ebpipe/layers': 'error',
    },
  },
  {
    // node:test's describe/test return promises the runner tracks itself.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
