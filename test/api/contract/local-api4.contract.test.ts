import { describeApi4Contract } from "./api4-contract";
import { localTarget } from "./targets";

describeApi4Contract("LocalApi on a file store", localTarget);
