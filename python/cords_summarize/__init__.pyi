from typing import Any, Iterator, Mapping, Optional, Sequence

class CordsError(RuntimeError): ...

class SelectionResult(Mapping[str, Any]):
    selected: list[int]
    gains: list[float]
    objective: float
    evaluations: int
    function: dict[str, Any]
    budget: int
    timings_s: dict[str, float]
    def __getitem__(self, key: str) -> Any: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...

def select(x: Any, budget: Optional[int] = ..., fraction: Optional[float] = ..., function: str = ...,
           metric: str = ..., optimizer: str = ..., groups: Optional[Sequence[int]] = ...,
           costs: Optional[Sequence[float]] = ..., cost_budget: float = ..., seed: int = ..., knn: Optional[int] = ...,
           threads: int = ..., rbf_kw: Optional[float] = ..., lambda_: Optional[float] = ...,
           regularizer: Optional[float] = ..., concave: Optional[str] = ..., alpha: Optional[float] = ...,
           threshold: Optional[float] = ..., epsilon: Optional[float] = ...) -> SelectionResult: ...
