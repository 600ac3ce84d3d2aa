import { libraryBuild } from '../../tsup.base.js';

export default libraryBuild({ entry: { index: 'src/index.ts', conformance: 'src/conformance/index.ts' } });
