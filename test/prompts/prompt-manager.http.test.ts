import { httpFixture } from "./helpers";
import { promptManagerSuite } from "./prompt-manager.suite";

promptManagerSuite("HTTP against the local server", httpFixture);
