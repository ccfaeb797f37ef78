import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.esbuild/', '.serverless/', 'coverage/', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // infra/*.js and tool configs are CommonJS run by Node (serverless variables, jest).
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // What runs in Lambda never reaches into the deploy-time code (infra/, scripts/, doubles/): the stack is built
    // from lib/'s facts, never the other way round, so no bundle carries the template's builders.
    files: ['lib/**/*.ts', 'handlers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/infra/*', '**/scripts/*', '**/doubles/*', '**/test/*'], message: 'lib/ and handlers/ are bundled into the functions: keep deploy-time and test code out' }] }],
    },
  },
);
