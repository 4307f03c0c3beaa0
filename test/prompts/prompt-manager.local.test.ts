import { localFixture } from "./helpers";
import { promptManagerSuite } from "./prompt-manager.suite";

promptManagerSuite("local store", localFixture);
